/**
 * POST /revoke (RFC 7009) and POST /introspect (RFC 7662), both after client authentication.
 * A client can only revoke or inspect its own tokens: anyone else's token is treated exactly like
 * an unknown one, so neither endpoint tells a caller that a token exists.
 */
import type { Context } from "hono";
import { validateAccessToken } from "./access-token";
import { authenticateClient } from "./client-auth";
import type { ProviderContext } from "./context";
import { OAuthError } from "./oauth-error";
import { readForm } from "./form";

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

async function readTokenRequest(c: Context, ctx: ProviderContext) {
  const form = await readForm(c);
  const client = await authenticateClient(ctx, c.req.header("authorization"), form);
  const token = form.get("token");
  if (!token) throw new OAuthError("invalid_request", "token is required");
  return { client, token };
}

/** Handles one revocation request: a refresh token revokes its grant, an access token itself. */
export async function handleRevoke(c: Context, ctx: ProviderContext): Promise<Response> {
  const { client, token } = await readTokenRequest(c, ctx);
  const refresh = await ctx.grants.peekRefreshToken(token);
  if (refresh && refresh.clientId === client.id) {
    await ctx.grants.revokeGrant(refresh.grantId);
  } else {
    const access = await validateAccessToken(ctx, token);
    if (access && access.client_id === client.id) await ctx.grants.revokeAccessToken(access.jti, access.exp);
  }
  // RFC 7009 §2.2: invalid and unknown tokens get the same 200 as revoked ones.
  return new Response(null, { status: 200, headers: { "cache-control": "no-store" } });
}

/** Handles one introspection request. */
export async function handleIntrospect(c: Context, ctx: ProviderContext): Promise<Response> {
  const { client, token } = await readTokenRequest(c, ctx);
  const access = await validateAccessToken(ctx, token);
  if (access && access.client_id === client.id) {
    return json({
      active: true,
      token_type: "access_token",
      scope: access.scope,
      client_id: access.client_id,
      sub: access.sub,
      exp: access.exp,
      iat: access.iat,
      iss: ctx.issuer,
      aud: ctx.accessTokenAudience,
    });
  }
  const refresh = await ctx.grants.peekRefreshToken(token);
  if (refresh && refresh.clientId === client.id) {
    return json({
      active: true,
      token_type: "refresh_token",
      scope: refresh.scope,
      client_id: refresh.clientId,
      sub: refresh.sub,
      exp: Math.floor(refresh.expiresAt / 1000),
      iss: ctx.issuer,
    });
  }
  return json({ active: false });
}
