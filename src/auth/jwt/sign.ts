/** Signing a JWT (compact JWS) with Web Crypto. */
import { ALGORITHMS } from "../../kernel/crypto/algorithms";
import { encodeJsonSegment } from "../../kernel/crypto/base64url";
import { encodeBase64Url } from "../../kernel/web-crypto";
import type { JwtKey } from "./keys";

/** Registered claims plus anything else the issuer adds. */
export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

export interface SignJwtOptions {
  /** The `typ` header (default "JWT"). */
  typ?: string;
}

/** Signs `claims` with `key` (its algorithm and `kid` go in the header). */
export async function signJwt(claims: JwtClaims, key: JwtKey, options: SignJwtOptions = {}): Promise<string> {
  if (!key.signingKey)
    throw new TypeError(
      `covara/auth: the ${key.alg} key${key.kid ? ` "${key.kid}"` : ""} cannot sign (no private key)`,
    );
  const header: Record<string, string> = { alg: key.alg, typ: options.typ ?? "JWT" };
  if (key.kid !== undefined) header.kid = key.kid;
  const signingInput = `${encodeJsonSegment(header)}.${encodeJsonSegment(claims)}`;
  const signature = await crypto.subtle.sign(
    ALGORITHMS[key.alg].signParams,
    key.signingKey,
    new TextEncoder().encode(signingInput),
  );
  return `${signingInput}.${encodeBase64Url(new Uint8Array(signature))}`;
}
