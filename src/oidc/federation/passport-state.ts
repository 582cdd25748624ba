/**
 * The OAuth `state` of a Passport upstream login, bound to the browser that started it: a random
 * handle sent upstream as `state`, kept in a signed (ctx.cookieSecret), HttpOnly, SameSite=Lax,
 * short-lived cookie, and recorded in the provider KV (under its hash) with the PKCE verifier and
 * the interaction it resumes. The callback must present the cookie and the state, once.
 */
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import type { ProviderContext } from "../context";
import { constantTimeEqual, handleKey } from "../encoding";
import { readRecord, writeRecord } from "../kv-records";

/** What the KV keeps for one pending Passport login. */
export interface PendingPassportLogin {
  /** The backends.passport name that started it. */
  upstream: string;
  /** The /authorize interaction the login resumes. */
  interactionId: string;
  /** The PKCE code_verifier, when the strategy uses PKCE. */
  verifier: string | null;
  /** Checked besides the KV's own expiry, so a coarse KV TTL never stretches the window. */
  expiresAt: number;
}

/** How long a login may take between the redirect upstream and the callback. */
export const PASSPORT_STATE_TTL_MS = 10 * 60_000;

export const passportStateCookie = (upstream: string) => `covara_oidc_passport_${upstream}`;

const stateKey = async (ctx: ProviderContext, handle: string) => `${ctx.kvPrefix}passport-state:${await handleKey(handle)}`;

function cookieOptions(ctx: ProviderContext) {
  // Lax, because the upstream sends the browser back with a top-level cross-site GET.
  return { path: new URL(ctx.issuer).pathname || "/", httpOnly: true, secure: ctx.issuer.startsWith("https:"), sameSite: "Lax" as const };
}

/** Records a pending login under `handle` and sets this browser's cookie for it. */
export async function bindPassportState(c: Context, ctx: ProviderContext, handle: string, pending: PendingPassportLogin): Promise<void> {
  const ttlMs = pending.expiresAt - Date.now();
  await writeRecord(ctx.kv, await stateKey(ctx, handle), pending, ttlMs);
  await setSignedCookie(c, passportStateCookie(pending.upstream), handle, ctx.cookieSecret, {
    ...cookieOptions(ctx),
    maxAge: Math.max(1, Math.ceil(ttlMs / 1000)),
  });
}

/**
 * Checks the callback's `state` against the signed cookie and takes the KV record (single use).
 * Returns the pending login, or the reason it was refused; the cookie is cleared either way.
 */
export async function takePassportState(c: Context, ctx: ProviderContext, upstream: string, state: string | undefined): Promise<PendingPassportLogin | string> {
  const name = passportStateCookie(upstream);
  const cookie = await getSignedCookie(c, ctx.cookieSecret, name);
  deleteCookie(c, name, cookieOptions(ctx));
  if (state === undefined || state === "") return "the callback carries no state";
  if (typeof cookie !== "string" || cookie === "") return "the state cookie is missing or its signature is invalid";
  if (state.length > 256 || !constantTimeEqual(cookie, state)) return "the state does not match this browser's login";
  const key = await stateKey(ctx, state);
  const pending = await readRecord<PendingPassportLogin>(ctx.kv, key);
  // The delete is the single-use gate: of two concurrent callbacks only one deletes the record.
  if (pending === null || !(await ctx.kv.delete(key))) return "the state has expired or was already used";
  if (!(pending.expiresAt > Date.now())) return "the state has expired or was already used";
  return pending.upstream === upstream ? pending : "the state belongs to another upstream";
}
