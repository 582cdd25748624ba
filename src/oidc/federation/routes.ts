/**
 * Federated login through upstream OpenID providers: GET /federated/:name?interaction=… sends the
 * browser to the upstream (state, nonce, PKCE S256), and GET /federated/:name/callback verifies
 * the answer and resumes the pending /authorize interaction through `completeLogin`, exactly like
 * the email + password form. The state is checked before anything is sent to the upstream, and no
 * failure signs anyone in.
 */
import type { Context, Hono } from "hono";
import type { CovaraEnv } from "../../kernel/http";
import type { ProviderContext } from "../context";
import { base64Url, digest, randomHandle } from "../encoding";
import { renderLogin } from "../interaction-routes";
import { completeLogin, redirectTo, requireInteraction } from "../interactions";
import type { RouteFactory } from "../routes";
import type { OIDCBackends } from "../types";
import { checkFederatedBackends, type CheckedUpstream } from "./config";
import { externalProfile, fetchUserinfo } from "./external-profile";
import { verifyIdToken } from "./id-token";
import {
  bindUpstreamState,
  takeUpstreamState,
  UPSTREAM_STATE_TTL_MS,
  type PendingUpstreamLogin,
} from "./upstream-state";
import { exchangeCode } from "./token-exchange";
import { loginFailed } from "./upstream-http";
import { createMetadataSource, type UpstreamMetadataSource } from "./upstream-metadata";

const DEFAULT_SCOPES = ["openid", "email", "profile"];
const CANCELLED = "Signing in there did not complete. Try again or choose another way to sign in.";
const REFUSED = "This account may not sign in here.";

/** What a federated sign-in keeps between the redirect and the callback. */
interface PendingFederatedLogin extends PendingUpstreamLogin {
  nonce: string;
  codeVerifier: string;
}

function callbackUrl(ctx: ProviderContext, upstream: CheckedUpstream): string {
  return `${ctx.issuer}/federated/${upstream.config.name}/callback`;
}

/** GET /federated/:name?interaction=…: the redirect to the upstream's authorization endpoint. */
async function startLogin(
  c: Context<CovaraEnv>,
  ctx: ProviderContext,
  upstream: CheckedUpstream,
  metadata: UpstreamMetadataSource,
): Promise<Response> {
  const interaction = await requireInteraction(c, ctx, c.req.query("interaction"));
  const discovered = await metadata();
  const state = randomHandle(32);
  const nonce = randomHandle(32);
  const codeVerifier = randomHandle(48);
  const expiresAt = Math.min(Date.now() + UPSTREAM_STATE_TTL_MS, interaction.expiresAt);
  await bindUpstreamState(c, ctx, "federated", state, {
    upstream: upstream.config.name,
    interactionId: interaction.id,
    nonce,
    codeVerifier,
    expiresAt,
  } satisfies PendingFederatedLogin);

  const target = new URL(discovered.authorizationEndpoint);
  const extra = {
    ...(interaction.loginHint ? { login_hint: interaction.loginHint } : {}),
    ...upstream.config.authorizationParams,
  };
  for (const [name, value] of Object.entries(extra)) target.searchParams.set(name, value);
  const params = {
    response_type: "code",
    client_id: upstream.config.clientId,
    redirect_uri: callbackUrl(ctx, upstream),
    scope: (upstream.config.scopes ?? DEFAULT_SCOPES).join(" "),
    state,
    nonce,
    code_challenge: base64Url(await digest("SHA-256", codeVerifier)),
    code_challenge_method: "S256",
  };
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  return redirectTo(c, target.toString());
}

/** GET /federated/:name/callback: state first, then the code exchange and every id_token check. */
async function finishLogin(
  c: Context<CovaraEnv>,
  ctx: ProviderContext,
  upstream: CheckedUpstream,
  metadata: UpstreamMetadataSource,
): Promise<Response> {
  const label = upstream.config.label ?? upstream.config.name;
  const query = (name: string) => c.req.query(name);
  const pending = await takeUpstreamState<PendingFederatedLogin>(
    c,
    ctx,
    "federated",
    upstream.config.name,
    query("state"),
  );
  const interaction = await requireInteraction(c, ctx, pending.interactionId);
  // The user cancelled or the upstream refused: back to the login page to choose again.
  if (query("error") !== undefined) return renderLogin(ctx, interaction, CANCELLED, 401);

  const code = query("code");
  if (code === undefined || code === "" || code.length > 4096) throw loginFailed(label, "missing-code");
  const discovered = await metadata();
  // RFC 9207: an `iss` on the callback must be this upstream's (mix-up defence). Template issuers are left to the id_token check.
  const iss = query("iss");
  if (iss !== undefined && !upstream.config.validateIssuer && iss !== discovered.issuer)
    throw loginFailed(label, "issuer-mismatch");

  const tokens = await exchangeCode(upstream, discovered, code, callbackUrl(ctx, upstream), pending.codeVerifier);
  const claims = await verifyIdToken(upstream, discovered, {
    ...tokens,
    nonce: pending.nonce,
    clockSkewSeconds: ctx.clockSkewSeconds,
  });
  const userinfo = await fetchUserinfo(upstream, discovered, tokens.accessToken, claims.sub as string);
  const profile = externalProfile(upstream, claims.iss as string, claims, userinfo);
  const user = await upstream.resolveUser(profile);
  if (!user) return renderLogin(ctx, interaction, REFUSED, 401);
  return completeLogin(c, ctx, interaction, user, [`fed:${upstream.config.name}`]);
}

/** Mounts the federated routes for `backends.federated`; throws a TypeError on a misconfigured upstream. */
export function mountFederatedRoutes(router: Hono<CovaraEnv>, route: RouteFactory, backends: OIDCBackends): void {
  for (const upstream of checkFederatedBackends(backends)) {
    const metadata = createMetadataSource(upstream);
    const base = `/federated/${upstream.config.name}`;
    router.get(
      base,
      route((c, ctx) => startLogin(c, ctx, upstream, metadata)),
    );
    router.get(
      `${base}/callback`,
      route((c, ctx) => finishLogin(c, ctx, upstream, metadata)),
    );
  }
}
