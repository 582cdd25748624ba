/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at GET/POST /logout. With a valid
 * `id_token_hint` the provider session ends at once; without one the user confirms on a page
 * first, so a cross-site link cannot sign anyone out. `post_logout_redirect_uri` must be
 * registered for the client (matched like redirect URIs) or the request is refused before any
 * redirect.
 */
import type { Context, Hono } from "hono";
import { verifyJWT } from "../auth";
import { decodeJsonSegment } from "../kernel/crypto/base64url";
import type { CovaraEnv } from "../kernel/http";
import type { ProviderContext } from "./context";
import { randomHandle } from "./encoding";
import { readForm } from "./form";
import { redirectTo } from "./interactions";
import { readRecord, writeRecord } from "./kv-records";
import { OAuthError } from "./oauth-error";
import { htmlResponse, logoutPage } from "./pages";
import { findRedirectUri } from "./redirect-uri";
import type { RouteFactory } from "./routes";

/** Where to go after signing out, remembered between the confirmation page and its POST. */
interface PendingLogout {
  redirect?: string;
  state?: string;
}

const CONFIRM_TTL_MS = 10 * 60 * 1000;

/** The client an id_token_hint was issued to, or null when the hint is not one of our id_tokens. */
async function hintedClient(ctx: ProviderContext, hint: string): Promise<{ clientId: string; sub: string } | null> {
  try {
    const { header, claims } = await verifyJWT(hint, {
      keys: ctx.keys.verificationKeys(),
      issuer: ctx.issuer,
      audience: audienceOf(hint) ?? "",
      algorithms: ctx.keys.algorithms(),
      clockSkewSeconds: ctx.clockSkewSeconds,
      requiredClaims: ["sub"],
    });
    // Access tokens are signed by the same keys; only an id_token names its relying party.
    if (header.typ === "at+jwt" || typeof claims.sub !== "string") return null;
    const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
    return typeof aud === "string" ? { clientId: aud, sub: claims.sub } : null;
  } catch {
    return null;
  }
}

/** The unverified `aud` of a JWT, to name the audience the real verification then checks. */
function audienceOf(token: string): string | undefined {
  const payload = token.split(".")[1];
  const aud = payload === undefined ? undefined : decodeJsonSegment(payload)?.aud;
  const first = Array.isArray(aud) ? aud[0] : aud;
  return typeof first === "string" ? first : undefined;
}

async function logoutParams(c: Context): Promise<URLSearchParams> {
  return c.req.method === "POST" ? readForm(c) : new URL(c.req.url).searchParams;
}

/** Ends the provider session and tells the app. */
async function signOut(c: Context, ctx: ProviderContext): Promise<void> {
  const ended = await ctx.sessions.end(c);
  const appUser = (c as Context<CovaraEnv>).get("user");
  const userId = ended?.sub ?? (appUser ? String(appUser.id) : undefined);
  if (userId !== undefined) await ctx.onLogout?.(userId);
}

function afterLogout(c: Context, pending: PendingLogout): Response {
  if (pending.redirect === undefined) return htmlResponse(logoutPage({ action: "", csrf: "", done: true }));
  const target = new URL(pending.redirect);
  if (pending.state !== undefined) target.searchParams.set("state", pending.state);
  return redirectTo(c, target.toString());
}

async function handleLogout(c: Context<CovaraEnv>, ctx: ProviderContext): Promise<Response> {
  const params = await logoutParams(c);
  const key = (token: string) => `${ctx.kvPrefix}logout:${token}`;

  // The confirmation form's POST: the token proves the user saw our page.
  const confirmation = params.get("xsrf");
  if (c.req.method === "POST" && confirmation !== null) {
    const pending = /^[A-Za-z0-9_-]{1,64}$/.test(confirmation)
      ? await readRecord<PendingLogout>(ctx.kv, key(confirmation))
      : null;
    if (!pending || !(await ctx.kv.delete(key(confirmation))))
      throw new OAuthError("invalid_request", "The sign-out form has expired; sign out again");
    await signOut(c, ctx);
    return afterLogout(c, pending);
  }

  const hint = params.get("id_token_hint");
  const hinted = hint === null ? null : await hintedClient(ctx, hint);
  if (hint !== null && !hinted)
    throw new OAuthError("invalid_request", "id_token_hint is not a valid id_token of this provider");
  const clientId = params.get("client_id") ?? hinted?.clientId;
  if (hinted && params.get("client_id") !== null && params.get("client_id") !== hinted.clientId) {
    throw new OAuthError("invalid_request", "client_id does not match the id_token_hint");
  }
  const pending: PendingLogout = { state: params.get("state") ?? undefined };
  const requested = params.get("post_logout_redirect_uri");
  if (requested !== null) {
    const client = clientId === undefined ? undefined : await ctx.clients.get(clientId);
    if (!client) throw new OAuthError("invalid_request", "post_logout_redirect_uri needs client_id or id_token_hint");
    pending.redirect = findRedirectUri(client.postLogoutRedirectUris ?? [], requested);
    if (pending.redirect === undefined)
      throw new OAuthError("invalid_request", "post_logout_redirect_uri is not registered for this client");
  }

  const session = await ctx.sessions.read(c);
  // A hint for the signed-in user (or nobody signed in) is proof enough: sign out at once.
  if (hinted && (session === null || session.sub === hinted.sub)) {
    await signOut(c, ctx);
    return afterLogout(c, pending);
  }
  const token = randomHandle(18);
  await writeRecord(ctx.kv, key(token), pending, CONFIRM_TTL_MS);
  return htmlResponse((ctx.pages.logout ?? logoutPage)({ action: `${ctx.issuer}/logout`, csrf: token, done: false }));
}

/** Mounts GET and POST /logout. */
export function mountLogout(router: Hono<CovaraEnv>, route: RouteFactory): void {
  router.get("/logout", route(handleLogout));
  router.post("/logout", route(handleLogout));
}
