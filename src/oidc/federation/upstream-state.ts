/**
 * The `state` of a sign-in at an upstream (federated OpenID provider or Passport strategy),
 * between the redirect and the callback. The random state travels to the upstream and back; the
 * provider KV keeps what the callback needs (the interaction, nonce, PKCE verifier) under the
 * state's hash; a signed, HttpOnly, SameSite=Lax, short-lived cookie scoped to the upstream's
 * routes binds the state to the browser that started. The callback takes the record once, so a
 * replayed or planted callback finds nothing.
 */
import "../problems";
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { ProblemError } from "../../kernel/errors";
import type { ProviderContext } from "../context";
import { constantTimeEqual, handleKey } from "../encoding";
import { readRecord, writeRecord } from "../kv-records";

/** Which kind of upstream: also the route prefix (/federated/<name>, /passport/<name>). */
export type UpstreamKind = "federated" | "passport";

/** What every pending upstream sign-in records. */
export interface PendingUpstreamLogin {
  upstream: string;
  /** The /authorize interaction the sign-in resumes. */
  interactionId: string;
  /** Checked besides the KV's own expiry, so a coarse KV TTL never stretches the window. */
  expiresAt: number;
}

/** Long enough to sign in at the upstream, short enough that a stale state is useless. */
export const UPSTREAM_STATE_TTL_MS = 10 * 60_000;

const COOKIE_PREFIX: Record<UpstreamKind, string> = {
  federated: "covara_oidc_fed_",
  passport: "covara_oidc_passport_",
};

function cookieOptions(ctx: ProviderContext, kind: UpstreamKind, upstream: string) {
  const issuer = new URL(ctx.issuer);
  // Sent only to this upstream's routes (its callback included), never to the rest of the site.
  const path = `${issuer.pathname.replace(/\/+$/, "")}/${kind}/${upstream}`;
  // Lax: the upstream sends the browser back with a top-level cross-site GET.
  return { path, httpOnly: true, secure: issuer.protocol === "https:", sameSite: "Lax" as const };
}

async function storageKey(ctx: ProviderContext, kind: UpstreamKind, state: string): Promise<string> {
  return `${ctx.kvPrefix}${kind === "federated" ? "fed" : kind}-state:${await handleKey(state)}`;
}

/** Records the pending sign-in under `state` and binds `state` to this browser until `pending.expiresAt`. */
export async function bindUpstreamState<T extends PendingUpstreamLogin>(
  c: Context,
  ctx: ProviderContext,
  kind: UpstreamKind,
  state: string,
  pending: T,
): Promise<void> {
  const ttlMs = pending.expiresAt - Date.now();
  await writeRecord(ctx.kv, await storageKey(ctx, kind, state), pending, ttlMs);
  await setSignedCookie(c, COOKIE_PREFIX[kind] + pending.upstream, state, ctx.cookieSecret, {
    ...cookieOptions(ctx, kind, pending.upstream),
    maxAge: Math.max(1, Math.ceil(ttlMs / 1000)),
  });
}

/**
 * Checks the callback's `state` against this browser's signed cookie and takes the pending
 * sign-in (single use); a refusal is the `invalid-state` problem. The cookie is cleared either way.
 */
export async function takeUpstreamState<T extends PendingUpstreamLogin>(
  c: Context,
  ctx: ProviderContext,
  kind: UpstreamKind,
  upstream: string,
  state: string | undefined,
): Promise<T> {
  const pending = await checkUpstreamState<T>(c, ctx, kind, upstream, state);
  if (typeof pending === "string")
    throw new ProblemError("invalid-state", {
      detail: `The sign-in response was refused: ${pending}; start again from the application`,
    });
  return pending;
}

/** The pending sign-in, or why the callback's state was refused. */
async function checkUpstreamState<T extends PendingUpstreamLogin>(
  c: Context,
  ctx: ProviderContext,
  kind: UpstreamKind,
  upstream: string,
  state: string | undefined,
): Promise<T | string> {
  const name = COOKIE_PREFIX[kind] + upstream;
  const cookie = await getSignedCookie(c, ctx.cookieSecret, name);
  deleteCookie(c, name, cookieOptions(ctx, kind, upstream));
  if (state === undefined || state === "") return "the callback carries no state";
  if (state.length > 256) return "the state is malformed";
  if (typeof cookie !== "string" || cookie === "") return "the state cookie is missing or its signature is invalid";
  if (!constantTimeEqual(cookie, state)) return "the state does not match this browser's sign-in";
  const key = await storageKey(ctx, kind, state);
  const pending = await readRecord<T>(ctx.kv, key);
  // The delete is the single-use gate: of two concurrent callbacks, only one deletes the record.
  if (pending === null || !(await ctx.kv.delete(key)) || !(pending.expiresAt > Date.now()))
    return "the state has expired or was already used";
  return pending.upstream === upstream ? pending : "the state belongs to another upstream";
}
