/**
 * Minting the token response: a JWT access token (RFC 9068 shape) signed by the provider key, an
 * id_token carrying `nonce` and the `at_hash` of that access token, and an optional refresh token.
 */
import { signJWT } from "../auth";
import type { JwtAlgorithm } from "../kernel/crypto/algorithms";
import { base64Url, digest, randomHandle } from "./encoding";
import type { ProviderContext } from "./context";

/** The hash OIDC Core §3.1.3.6 pairs with each signing algorithm for at_hash. */
function atHashAlgorithm(alg: JwtAlgorithm): "SHA-256" | "SHA-384" | "SHA-512" {
  if (alg === "EdDSA" || alg.endsWith("512")) return "SHA-512";
  if (alg.endsWith("384")) return "SHA-384";
  return "SHA-256";
}

/** The left half of the access token's hash, base64url-encoded. */
export async function computeAtHash(accessToken: string, alg: JwtAlgorithm): Promise<string> {
  const hash = await digest(atHashAlgorithm(alg), accessToken);
  return base64Url(hash.subarray(0, hash.length / 2));
}

export interface IssueRequest {
  clientId: string;
  /** The user id, or the client id for client_credentials. */
  sub: string;
  scope: string;
  grantId: string;
  authTime?: number;
  nonce?: string;
  /** Mint an id_token (the `openid` scope on a user grant). */
  idToken: boolean;
  /** A client_credentials token: it acts for the client, not for a user. */
  clientOnly?: boolean;
  /** The refresh token to hand back (already stored), if any. */
  refreshToken?: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

/** Signs the access token (and id_token) for one grant. */
export async function issueTokens(ctx: ProviderContext, request: IssueRequest): Promise<TokenResponse> {
  const now = Math.floor(Date.now() / 1000);
  const key = ctx.keys.signingKey();
  const accessToken = await signJWT(
    {
      iss: ctx.issuer,
      sub: request.sub,
      aud: ctx.accessTokenAudience,
      client_id: request.clientId,
      scope: request.scope,
      gid: request.grantId,
      ...(request.clientOnly ? { gty: "client_credentials" } : {}),
      jti: randomHandle(16),
      iat: now,
      exp: now + ctx.accessTokenTtl,
    },
    key,
    { typ: "at+jwt" },
  );
  const response: TokenResponse = {
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: ctx.accessTokenTtl,
    scope: request.scope,
  };
  if (request.idToken) {
    response.id_token = await signJWT(
      {
        iss: ctx.issuer,
        sub: request.sub,
        aud: request.clientId,
        azp: request.clientId,
        iat: now,
        exp: now + ctx.idTokenTtl,
        ...(request.authTime === undefined ? {} : { auth_time: request.authTime }),
        ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
        at_hash: await computeAtHash(accessToken, key.alg),
      },
      key,
    );
  }
  if (request.refreshToken !== undefined) response.refresh_token = request.refreshToken;
  return response;
}
