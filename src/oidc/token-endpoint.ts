/**
 * POST /token: authorization_code (PKCE checked), refresh_token (rotated on use; a reused token
 * revokes its family) and client_credentials. Errors are RFC 6749 §5.2 JSON. A code or refresh
 * token is spent only after the whole request has passed every check.
 */
import type { Context } from "hono";
import { authenticateClient, clientAuthMethod } from "./client-auth";
import { readForm } from "./form";
import { clientGrantTypes, SUPPORTED_SCOPES, type ProviderContext } from "./context";
import { OAuthError } from "./oauth-error";
import { verifyPkce } from "./pkce";
import { issueTokens, type TokenResponse } from "./token-issuer";
import type { GrantType, OIDCClient } from "./types";

const CODE_UNUSABLE = "The authorization code is invalid, expired or already used";
const REFRESH_UNUSABLE = "The refresh token is invalid, expired, revoked or already used";

function requireGrant(client: OIDCClient, grant: GrantType): void {
  if (!clientGrantTypes(client).includes(grant))
    throw new OAuthError("unauthorized_client", `This client may not use the ${grant} grant`);
}

async function authorizationCodeGrant(
  ctx: ProviderContext,
  client: OIDCClient,
  form: URLSearchParams,
): Promise<TokenResponse> {
  const code = form.get("code");
  if (!code) throw new OAuthError("invalid_request", "code is required");
  const redirectUri = form.get("redirect_uri");
  const verifier = form.get("code_verifier");
  // The request is checked in full between reading the code and spending it, so a refused request
  // (a mistyped redirect_uri, a wrong verifier) leaves the code usable by its rightful holder; of
  // two concurrent redemptions exactly one spends it. An unusable code is recognised as a replay
  // there and revokes the grant it issued.
  const redemption = await ctx.grants.redeemCode(code, async (record) => {
    if (record.clientId !== client.id) {
      // Another client holding this code means it leaked: the whole grant ends.
      await ctx.grants.revokeGrant(record.grantId);
      throw new OAuthError("invalid_grant", "The authorization code was issued to another client");
    }
    if (redirectUri !== record.redirectUri)
      throw new OAuthError("invalid_grant", "redirect_uri does not match the authorization request");
    if (record.codeChallenge !== undefined) {
      if (verifier === null || !(await verifyPkce(record.codeChallenge, verifier)))
        throw new OAuthError("invalid_grant", "The PKCE code_verifier does not match");
    } else if (verifier !== null) {
      throw new OAuthError("invalid_grant", "code_verifier given but the authorization request had no code_challenge");
    }
  });
  if (!redemption.ok) throw new OAuthError("invalid_grant", CODE_UNUSABLE);
  const record = redemption.record;
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

async function refreshTokenGrant(
  ctx: ProviderContext,
  client: OIDCClient,
  form: URLSearchParams,
): Promise<TokenResponse> {
  const token = form.get("refresh_token");
  if (!token) throw new OAuthError("invalid_request", "refresh_token is required");
  const requested = form.get("scope");
  let scopes: string[] = [];
  // Every check runs before the token is spent: a refusal such as invalid_scope must not spend it,
  // or the holder's retry would look like reuse and revoke the family (RFC 6749 §5.2, §6). Of two
  // concurrent refreshes exactly one spends it; an unusable token is recognised as reuse there.
  const redemption = await ctx.grants.redeemRefreshToken(token, ctx.rotateRefreshTokens, async (record) => {
    if (record.clientId !== client.id) {
      await ctx.grants.revokeGrant(record.grantId);
      throw new OAuthError("invalid_grant", "The refresh token was issued to another client");
    }
    // A narrower scope may be asked for, never a wider one (RFC 6749 §6).
    const granted = record.scope.split(" ").filter(Boolean);
    scopes = requested === null ? granted : requested.split(" ").filter(Boolean);
    if (scopes.some((scope) => !granted.includes(scope)))
      throw new OAuthError("invalid_scope", "The scope exceeds what was granted");
    if (!(await ctx.getUser(record.sub))) {
      await ctx.grants.revokeGrant(record.grantId);
      throw new OAuthError("invalid_grant", "The user of this grant no longer exists");
    }
  });
  if (!redemption.ok) throw new OAuthError("invalid_grant", REFRESH_UNUSABLE);
  const record = redemption.record;
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

async function clientCredentialsGrant(
  ctx: ProviderContext,
  client: OIDCClient,
  form: URLSearchParams,
): Promise<TokenResponse> {
  if (clientAuthMethod(client) === "none")
    throw new OAuthError("unauthorized_client", "Public clients cannot use client_credentials");
  const scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
  const allowed: readonly string[] = client.scopes ?? SUPPORTED_SCOPES;
  // No user is involved, so the OpenID scopes that describe one make no sense here.
  if (scopes.some((scope) => !allowed.includes(scope) || scope === "openid" || scope === "offline_access")) {
    throw new OAuthError("invalid_scope", "A requested scope is not available for client_credentials");
  }
  return issueTokens(ctx, {
    clientId: client.id,
    sub: client.id,
    scope: scopes.join(" "),
    grantId: ctx.grants.newGrantId(),
    idToken: false,
    clientOnly: true,
  });
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
