/**
 * POST /token: authorization_code (PKCE checked), refresh_token (rotated on use; a reused token
 * revokes its family) and client_credentials. Errors are RFC 6749 §5.2 JSON.
 */
import type { Context } from "hono";
import { authenticateClient, clientAuthMethod } from "./client-auth";
import { readForm } from "./form";
import { clientGrantTypes, SUPPORTED_SCOPES, type ProviderContext } from "./context";
import { OAuthError } from "./oauth-error";
import { verifyPkce } from "./pkce";
import { issueTokens, type TokenResponse } from "./token-issuer";
import type { GrantType, OIDCClient } from "./types";

function requireGrant(client: OIDCClient, grant: GrantType): void {
  if (!clientGrantTypes(client).includes(grant)) throw new OAuthError("unauthorized_client", `This client may not use the ${grant} grant`);
}

async function authorizationCodeGrant(ctx: ProviderContext, client: OIDCClient, form: URLSearchParams): Promise<TokenResponse> {
  const code = form.get("code");
  if (!code) throw new OAuthError("invalid_request", "code is required");
  const redemption = await ctx.grants.redeemCode(code);
  if (!redemption.ok) throw new OAuthError("invalid_grant", "The authorization code is invalid, expired or already used");
  const record = redemption.record;
  // A code stolen for another client, or replayed with another redirect URI, is void.
  const invalid = async (description: string): Promise<never> => {
    await ctx.grants.revokeGrant(record.grantId);
    throw new OAuthError("invalid_grant", description);
  };
  if (record.clientId !== client.id) return invalid("The authorization code was issued to another client");
  if (form.get("redirect_uri") !== record.redirectUri) return invalid("redirect_uri does not match the authorization request");
  const verifier = form.get("code_verifier");
  if (record.codeChallenge !== undefined) {
    if (verifier === null || !(await verifyPkce(record.codeChallenge, verifier))) return invalid("The PKCE code_verifier does not match");
  } else if (verifier !== null) {
    return invalid("code_verifier given but the authorization request had no code_challenge");
  }
  const refreshToken = clientGrantTypes(client).includes("refresh_token")
    ? await ctx.grants.createRefreshToken({
        clientId: client.id,
        sub: record.sub,
        scope: record.scope,
        authTime: record.authTime,
        grantId: record.grantId,
        expiresAt: Date.now() + ctx.refreshTokenTtl * 1000,
      })
    : undefined;
  return issueTokens(ctx, {
    clientId: client.id,
    sub: record.sub,
    scope: record.scope,
    grantId: record.grantId,
    authTime: record.authTime,
    nonce: record.nonce,
    idToken: record.scope.split(" ").includes("openid"),
    refreshToken,
  });
}

async function refreshTokenGrant(ctx: ProviderContext, client: OIDCClient, form: URLSearchParams): Promise<TokenResponse> {
  const token = form.get("refresh_token");
  if (!token) throw new OAuthError("invalid_request", "refresh_token is required");
  const redemption = await ctx.grants.redeemRefreshToken(token, ctx.rotateRefreshTokens);
  if (!redemption.ok) throw new OAuthError("invalid_grant", "The refresh token is invalid, expired, revoked or already used");
  const record = redemption.record;
  if (record.clientId !== client.id) {
    await ctx.grants.revokeGrant(record.grantId);
    throw new OAuthError("invalid_grant", "The refresh token was issued to another client");
  }
  // A narrower scope may be asked for, never a wider one (RFC 6749 §6).
  const granted = record.scope.split(" ").filter(Boolean);
  const requested = form.get("scope");
  const scopes = requested === null ? granted : requested.split(" ").filter(Boolean);
  if (scopes.some((scope) => !granted.includes(scope))) throw new OAuthError("invalid_scope", "The scope exceeds what was granted");
  if (!(await ctx.getUser(record.sub))) {
    await ctx.grants.revokeGrant(record.grantId);
    throw new OAuthError("invalid_grant", "The user of this grant no longer exists");
  }
  const refreshToken = ctx.rotateRefreshTokens ? await ctx.grants.createRefreshToken(record) : token;
  return issueTokens(ctx, {
    clientId: client.id,
    sub: record.sub,
    scope: scopes.join(" "),
    grantId: record.grantId,
    authTime: record.authTime,
    idToken: scopes.includes("openid"),
    refreshToken,
  });
}

async function clientCredentialsGrant(ctx: ProviderContext, client: OIDCClient, form: URLSearchParams): Promise<TokenResponse> {
  if (clientAuthMethod(client) === "none") throw new OAuthError("unauthorized_client", "Public clients cannot use client_credentials");
  const scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
  const allowed: readonly string[] = client.scopes ?? SUPPORTED_SCOPES;
  // No user is involved, so the OpenID scopes that describe one make no sense here.
  if (scopes.some((scope) => !allowed.includes(scope) || scope === "openid" || scope === "offline_access")) {
    throw new OAuthError("invalid_scope", "A requested scope is not available for client_credentials");
  }
  return issueTokens(ctx, { clientId: client.id, sub: client.id, scope: scopes.join(" "), grantId: ctx.grants.newGrantId(), idToken: false, clientOnly: true });
}

/** Handles one token request. */
export async function handleToken(c: Context, ctx: ProviderContext): Promise<Response> {
  const form = await readForm(c);
  const client = await authenticateClient(ctx, c.req.header("authorization"), form);
  const grantType = form.get("grant_type");
  let response: TokenResponse;
  switch (grantType) {
    case "authorization_code":
      requireGrant(client, grantType);
      response = await authorizationCodeGrant(ctx, client, form);
      break;
    case "refresh_token":
      requireGrant(client, grantType);
      response = await refreshTokenGrant(ctx, client, form);
      break;
    case "client_credentials":
      requireGrant(client, grantType);
      response = await clientCredentialsGrant(ctx, client, form);
      break;
    case null:
      throw new OAuthError("invalid_request", "grant_type is required");
    default:
      throw new OAuthError("unsupported_grant_type", "This grant type is not supported");
  }
  return new Response(JSON.stringify(response), {
    status: 200,
    headers: { "content-type": "application/json", "cache-control": "no-store", pragma: "no-cache" },
  });
}
