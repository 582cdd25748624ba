/** Validating this provider's access tokens: signature, iss, aud, exp, typ and grant revocation. */
import { verifyJWT } from "../auth";
import { createBoundedMemo, type BoundedMemo } from "../kernel/bounded-memo";
import type { ProviderContext } from "./context";
import type { AccessTokenClaims } from "./types";
import { assumeType } from "../kernel/erased";

export { bearerFromHeader as readBearer } from "../auth/port";

/**
 * Verified signatures per provider: a token's signature and claims never change, so checking
 * them once is enough while the token lives. Revocation is still looked up on every use.
 */
const verifiedTokens = new WeakMap<ProviderContext["keys"], BoundedMemo<string, AccessTokenClaims>>();

function memoOf(ctx: ProviderContext): BoundedMemo<string, AccessTokenClaims> {
  let memo = verifiedTokens.get(ctx.keys);
  if (!memo) verifiedTokens.set(ctx.keys, (memo = createBoundedMemo(4096)));
  return memo;
}

async function verifySignatureAndClaims(ctx: ProviderContext, token: string): Promise<AccessTokenClaims | null> {
  const memo = memoOf(ctx);
  const known = memo.get(token);
  if (known) return known.exp + ctx.clockSkewSeconds > Date.now() / 1000 ? known : null;
  try {
    const { header, claims } = await verifyJWT(token, {
      keys: ctx.keys.verificationKeys(),
      issuer: ctx.issuer,
      audience: ctx.accessTokenAudience,
      algorithms: ctx.keys.algorithms(),
      clockSkewSeconds: ctx.clockSkewSeconds,
      requiredClaims: ["sub", "client_id", "gid", "jti"],
    });
    // An id_token is signed by the same keys; its typ keeps it from passing as an access token.
    if (header.typ !== "at+jwt") return null;
    if (typeof claims.gid !== "string" || typeof claims.client_id !== "string" || typeof claims.jti !== "string")
      return null;
    // Verified signature, and the claims the type requires were checked just above.
    const verified = assumeType<AccessTokenClaims>(claims);
    memo.set(token, verified);
    return verified;
  } catch {
    return null;
  }
}

/** The token's claims, or null when it is invalid, expired, or it or its grant was revoked. */
export async function validateAccessToken(ctx: ProviderContext, token: string): Promise<AccessTokenClaims | null> {
  const claims = await verifySignatureAndClaims(ctx, token);
  if (!claims) return null;
  const [grantRevoked, tokenRevoked] = await Promise.all([
    ctx.grants.isGrantRevoked(claims.gid),
    ctx.grants.isAccessTokenRevoked(claims.jti),
  ]);
  return grantRevoked || tokenRevoked ? null : claims;
}
