/**
 * The OAuth `state` of a social login, bound to the browser that started it: a random handle sent
 * to the provider as `state`, kept in a signed, HttpOnly, short-lived cookie, and recorded in the
 * KV with the PKCE verifier. The callback must present all three, once.
 */
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import type { KV } from "../../../kernel/kv";
import { timingSafeEqualStrings } from "../shared/crypto";

/** What the KV keeps for one pending login. */
export interface PendingOAuthLogin {
  provider: string;
  /** The PKCE code_verifier, when the strategy uses PKCE. */
  verifier: string | null;
  /** The signed-in user who started the login to link this provider to their account. */
  linkUserId: string | null;
  createdAt: number;
}

const PREFIX = "auth:social:state:";

export const stateCookieName = (provider: string) => `covara_oauth_${provider}`;

/** Records a pending login and sets the browser's cookie for it. */
export async function bindState(
  c: Context,
  kv: KV,
  secret: string,
  handle: string,
  pending: PendingOAuthLogin,
  ttlMs: number,
): Promise<void> {
  await kv.set(PREFIX + handle, JSON.stringify(pending), { ttlMs });
  await setSignedCookie(c, stateCookieName(pending.provider), handle, secret, {
    httpOnly: true,
    secure: new URL(c.req.url).protocol === "https:",
    // Lax, because the provider sends the browser back with a top-level cross-site GET.
    sameSite: "Lax",
    path: "/",
    maxAge: Math.ceil(ttlMs / 1000),
  });
}

/**
 * Checks the callback's `state` against the signed cookie and takes the KV record (single use).
 * Returns the pending login, or a reason it was refused; the cookie is cleared either way.
 */
export async function takeState(
  c: Context,
  kv: KV,
  secret: string,
  provider: string,
  state: string | undefined,
): Promise<PendingOAuthLogin | string> {
  const cookie = await getSignedCookie(c, secret, stateCookieName(provider));
  deleteCookie(c, stateCookieName(provider), { path: "/" });
  if (state === undefined || state === "") return "the callback carries no state";
  if (typeof cookie !== "string" || cookie === "") return "the state cookie is missing or its signature is invalid";
  if (!timingSafeEqualStrings(cookie, state)) return "the state does not match this browser's login";
  const raw = await kv.get(PREFIX + state);
  // The delete is the single-use gate: a replayed callback finds nothing.
  if (raw === null || !(await kv.delete(PREFIX + state))) return "the state has expired or was already used";
  const pending = JSON.parse(raw) as PendingOAuthLogin;
  return pending.provider === provider ? pending : "the state belongs to another provider";
}
