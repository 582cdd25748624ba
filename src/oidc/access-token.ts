/** Validating this provider's access tokens: signature, iss, aud, exp, typ and grant revocation. */
import { verifyJwt } from "../auth";
import type { ProviderContext } from "./context";
import type { AccessTokenClaims } from "./types";

/** The token's claims, or null when it is invalid, expired or its grant was revoked. */
export async function validateAccessToken(ctx: ProviderContext, token: string): Promise<AccessTokenClaims | null> {
  try {
    const { header, claims } = await verifyJwt(token, {
      keys: ctx.keys.verificationKeys(),
      issuer: ctx.issuer,
      audience: ctx.accessTokenAudience,
      algorithms: ctx.keys.algorithms(),
      clockSkewSeconds: ctx.clockSkewSeconds,
      requiredClaims: ["sub", "client_id", "gid", "jti"],
    });
    // An id_token is signed by the same keys; its typ keeps it from passing as an access token.
    if (header.typ !== "at+jwt") return null;
    if (typeof claims.gid !== "string" || typeof claims.client_id !== "string") return null;
    if (await ctx.grants.isGrantRevoked(claims.gid)) return null;
    if (typeof claims.jti !== "string" || (await ctx.grants.isAccessTokenRevoked(claims.jti))) return null;
    return claims as unknown as AccessTokenClaims;
  } catch {
    return null;
  }
}

/** The bearer token of an Authorization header, if any. */
export function readBearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  return match ? match[1] : undefined;
}
