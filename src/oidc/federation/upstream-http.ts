/**
 * Calls to an upstream provider: every one with a timeout and a bounded body, and every failure
 * turned into a problem. An upstream that cannot be reached or answers garbage is
 * `upstream-unavailable` (502); an upstream that refuses this login is `federated-login-failed`.
 */
import "../problems";
import { ProblemError } from "../../kernel/errors";
import { readBoundedText } from "../../kernel/body";
import { tracedFetch } from "../../kernel/trace-context";

export const UPSTREAM_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 256 * 1024;

/** Why a federated login was refused; a stable code in the problem's `reason` member. */
export type FederationFailure =
  | "missing-code"
  | "issuer-mismatch"
  | "token-refused"
  | "token-response"
  | "id-token-signature"
  | "id-token-issuer"
  | "id-token-audience"
  | "id-token-claims"
  | "id-token-expired"
  | "nonce-mismatch"
  | "at-hash-mismatch"
  | "userinfo-refused"
  | "userinfo-sub-mismatch";

/** A refused federated login; the detail says what to do, `reason` says what went wrong. */
export function loginFailed(label: string, reason: FederationFailure): ProblemError {
  return new ProblemError("federated-login-failed", {
    detail: `Signing in with ${label} failed; start again from the application`,
    extensions: { reason },
  });
}

/** The upstream could not be used (down, slow, or answering something that is not OIDC). */
export function upstreamUnavailable(label: string, what: string, cause?: unknown): ProblemError {
  return new ProblemError("upstream-unavailable", {
    detail: `${label} is not answering as expected (${what}); try again later`,
    cause,
  });
}

/** `fetch` with the upstream timeout; a network error or timeout becomes `upstream-unavailable`. */
export async function upstreamFetch(
  label: string,
  what: string,
  url: string,
  init: RequestInit = {},
): Promise<Response> {
  try {
    return await tracedFetch(url, { ...init, redirect: "error", signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
  } catch (error) {
    throw upstreamUnavailable(label, `${what} unreachable`, error);
  }
}

/** The body of `response` as a JSON object, or null when it is too large, not JSON, or not an object. */
export async function readJsonObject(response: Response): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    // Counted while streaming: a missing or lying Content-Length cannot make us buffer more.
    text = await readBoundedText(response, MAX_BODY_BYTES);
  } catch {
    return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
