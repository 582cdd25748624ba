/**
 * JWT client authentication (RFC 7523, OpenID Connect Core §9): `private_key_jwt`, an assertion
 * signed with one of the client's registered public keys, and `client_secret_jwt`, one signed
 * with HMAC over the client's secret. Each method accepts only its own family of algorithms, so
 * an assertion "signed" with HS256 over a client's public key (algorithm confusion) finds no key,
 * and `none` is never accepted. The assertion must name the client as `iss` and `sub`, name this
 * provider (its issuer or token endpoint) as `aud`, be unexpired and short-lived, and carry a
 * `jti` that is used once.
 */
import { importJWTKey, verifyJWT, type JWTKey } from "../auth";
import type { JwtAlgorithm } from "../kernel/crypto/algorithms";
import { ALGORITHMS } from "../kernel/crypto/algorithms";
import { decodeJsonSegment } from "../kernel/crypto/base64url";
import type { KV } from "../kernel/kv";
import { OAuthError } from "./oauth-error";
import type { OIDCClient } from "./types";

export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** Assertions living longer than this are refused, so a captured one is not useful for long. */
const MAX_ASSERTION_LIFETIME_SECONDS = 10 * 60;

const ASYMMETRIC = (Object.keys(ALGORITHMS) as JwtAlgorithm[]).filter((alg) => ALGORITHMS[alg].family !== "oct");
const HMAC: JwtAlgorithm[] = ["HS256", "HS384", "HS512"];

/** The algorithms each JWT method may use, for discovery and for verification. */
export const ASSERTION_ALGORITHMS = { private_key_jwt: ASYMMETRIC, client_secret_jwt: HMAC } as const;

/** The client an assertion claims to come from (its unverified `iss`), to know whose keys to try. */
export function assertedClientId(assertion: string): string | undefined {
  const payload = assertion.split(".")[1];
  const iss = payload === undefined ? undefined : decodeJsonSegment(payload)?.iss;
  return typeof iss === "string" && iss.length > 0 && iss.length <= 255 ? iss : undefined;
}

/** The algorithm a public JWK is for: its own `alg`, else the usual one for its key type. */
function algorithmOf(jwk: JsonWebKey): JwtAlgorithm | undefined {
  if (typeof jwk.alg === "string")
    return ASYMMETRIC.includes(jwk.alg as JwtAlgorithm) ? (jwk.alg as JwtAlgorithm) : undefined;
  if (jwk.kty === "RSA") return "RS256";
  if (jwk.kty === "EC")
    return ({ "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" } as Record<string, JwtAlgorithm>)[jwk.crv ?? ""];
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "EdDSA";
  return undefined;
}

/** Imports a client's verification keys for its method; throws TypeError on unusable keys. */
export async function clientAssertionKeys(client: OIDCClient): Promise<JWTKey[]> {
  if (client.tokenEndpointAuthMethod === "private_key_jwt") {
    const jwks = client.jwks?.keys ?? [];
    if (jwks.length === 0)
      throw new TypeError(`covara/oidc: client "${client.id}" uses private_key_jwt but has no jwks`);
    return Promise.all(
      jwks.map((jwk) => {
        const alg = algorithmOf(jwk);
        if (alg === undefined || "d" in jwk || "k" in jwk)
          throw new TypeError(
            `covara/oidc: client "${client.id}" has a jwks entry that is not an asymmetric public key`,
          );
        return importJWTKey({ alg, kid: (jwk as { kid?: string }).kid, publicKey: jwk });
      }),
    );
  }
  const secret = client.secret ?? "";
  if (secret.startsWith("scrypt$"))
    throw new TypeError(
      `covara/oidc: client "${client.id}" uses client_secret_jwt, which needs the secret itself, not a hash`,
    );
  const bytes = new TextEncoder().encode(secret).length;
  const usable = HMAC.filter((alg) => bytes >= ALGORITHMS[alg].minSecretBytes!);
  if (usable.length === 0)
    throw new TypeError(
      `covara/oidc: client "${client.id}" uses client_secret_jwt, which needs a secret of at least 32 bytes`,
    );
  return Promise.all(usable.map((alg) => importJWTKey({ alg, secret })));
}

export interface AssertionCheck {
  client: OIDCClient;
  keys: JWTKey[];
  assertion: string;
  /** The audiences the assertion may name: the issuer and the token endpoint. */
  audiences: string[];
  clockSkewSeconds: number;
  kv: KV;
  kvPrefix: string;
}

/** Verifies a client assertion; any failure is `invalid_client`. */
export async function verifyClientAssertion(check: AssertionCheck): Promise<void> {
  const { client } = check;
  const method = client.tokenEndpointAuthMethod as keyof typeof ASSERTION_ALGORITHMS;
  const failed = new OAuthError("invalid_client", "Client authentication failed");
  let claims: Record<string, unknown>;
  try {
    ({ claims } = await verifyJWT(check.assertion, {
      keys: check.keys,
      issuer: client.id,
      audience: check.audiences,
      algorithms: ASSERTION_ALGORITHMS[method],
      clockSkewSeconds: check.clockSkewSeconds,
      requiredClaims: ["sub", "jti"],
      maxLength: 8192,
    }));
  } catch {
    throw failed;
  }
  if (claims.sub !== client.id || typeof claims.jti !== "string" || claims.jti.length === 0 || claims.jti.length > 255)
    throw failed;
  const now = Math.floor(Date.now() / 1000);
  const exp = claims.exp as number;
  if (exp - now > MAX_ASSERTION_LIFETIME_SECONDS) throw failed;
  // Single use: the jti is remembered until the assertion would have expired anyway.
  const ttlMs = (exp - now + check.clockSkewSeconds) * 1000;
  const first = await check.kv.set(`${check.kvPrefix}assertion-jti:${client.id}:${claims.jti}`, "1", {
    ifNotExists: true,
    ttlMs: Math.max(1000, ttlMs),
  });
  if (!first) throw failed;
}
