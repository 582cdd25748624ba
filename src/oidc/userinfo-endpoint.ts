/** GET/POST /userinfo: the signed-in user's claims, filtered by the access token's scopes. */
import type { Context } from "hono";
import { readBearer, validateAccessToken } from "./access-token";
import type { ProviderContext } from "./context";
import { OAuthError } from "./oauth-error";
import type { OIDCUser } from "./types";

/** The standard claims of `user` that `scopes` release (OIDC Core §5.4). */
export function userClaims(user: OIDCUser, scopes: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: String(user.id) };
  if (scopes.includes("profile")) {
    if (user.name != null) claims.name = user.name;
    if (user.image != null) claims.picture = user.image;
  }
  if (scopes.includes("email") && user.email != null) {
    claims.email = user.email;
    claims.email_verified = user.emailVerified instanceof Date ? true : Boolean(user.emailVerified);
  }
  return claims;
}

/** Handles one userinfo request. */
export async function handleUserinfo(c: Context, ctx: ProviderContext): Promise<Response> {
  const token = readBearer(c.req.header("authorization"));
  if (token === undefined) throw new OAuthError("invalid_token", "A bearer access token is required");
  const claims = await validateAccessToken(ctx, token);
  const scopes = claims?.scope.split(" ") ?? [];
  if (!claims || !scopes.includes("openid"))
    throw new OAuthError("invalid_token", "The access token is invalid or expired");
  const user = await ctx.getUser(claims.sub);
  if (!user) throw new OAuthError("invalid_token", "The access token is invalid or expired");
  return new Response(JSON.stringify(userClaims(user, scopes)), {
    status: 200,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}
