/**
 * How an adapter calls its provider: `fetch` with a timeout, JSON or form bodies, and one mapping
 * of failures. A 5xx, a timeout or a network error becomes a 502 `billing-provider-error` naming
 * the provider; a 4xx the same, with the provider's message, since the app (not the user) sent it.
 */
import { ProblemError } from "../kernel/errors";
import { fetchWithDeadline } from "../kernel/fetch-with-deadline";
import { firstOf, stringAt } from "./json-path";
import type { BillingProvider } from "./types";
import "./problems";
import { tracedFetch } from "../kernel/trace-context";

/** What every adapter takes to reach its provider. */
export interface ProviderHttpOptions {
  /** Overrides the provider's API origin (tests point it at a local server; sandboxes). */
  baseUrl?: string;
  /** Per request, in ms (default 10,000). */
  timeoutMs?: number;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

export interface ProviderRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Answer null instead of failing on a 404 (a read of something that does not exist). */
  allowNotFound?: boolean;
}

export type ProviderCall = (request: ProviderRequest) => Promise<unknown>;

const DEFAULT_TIMEOUT_MS = 10_000;

function providerError(
  provider: BillingProvider,
  detail: string,
  extra: Record<string, unknown> = {},
  cause?: unknown,
): ProblemError {
  return new ProblemError("billing-provider-error", {
    detail: `${provider}: ${detail}`,
    extensions: { provider, ...extra },
    cause,
  });
}

/** The provider's error message from a JSON error body, wherever that provider puts it. */
function messageOf(body: unknown): string | null {
  return firstOf(
    stringAt(body, "error", "message"),
    stringAt(body, "error", "detail"),
    stringAt(body, "detail"),
    stringAt(body, "errors", 0, "detail"),
    stringAt(body, "error"),
  );
}

/** A caller for one provider, relative to `defaultBaseUrl` unless the options override it. */
export function createProviderCall(
  provider: BillingProvider,
  defaultBaseUrl: string,
  options: ProviderHttpOptions,
): ProviderCall {
  const baseUrl = (options.baseUrl ?? defaultBaseUrl).replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = options.fetch ?? tracedFetch;

  return async (request) => {
    const result = await fetchWithDeadline(
      doFetch,
      baseUrl + request.path,
      { method: request.method, headers: request.headers, body: request.body },
      timeoutMs,
    );
    if (!result.ok) {
      if (result.status !== null)
        throw providerError(
          provider,
          `the answer was cut off (${result.status})`,
          { upstreamStatus: result.status },
          result.cause,
        );
      throw providerError(
        provider,
        result.timedOut ? `no answer within ${timeoutMs} ms` : "could not be reached",
        { reason: result.timedOut ? "timeout" : "network" },
        result.cause,
      );
    }
    const { response, text } = result;
    const body = result.json ?? null;
    if (response.status === 404 && request.allowNotFound) return null;
    if (!response.ok) {
      const message = messageOf(body);
      throw providerError(provider, `answered ${response.status}${message ? ` (${message})` : ""}`, {
        upstreamStatus: response.status,
      });
    }
    if (text !== "" && result.json === undefined)
      throw providerError(provider, "answered with something that is not JSON", { upstreamStatus: response.status });
    return body;
  };
}
