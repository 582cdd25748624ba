/**
 * The JWS algorithms covara signs and verifies (RFC 7518), each mapped to its Web Crypto
 * parameters. `none` is deliberately absent: there is no way to configure it.
 */

export type JwtAlgorithm =
  | "HS256"
  | "HS384"
  | "HS512"
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA";

export type KeyFamily = "oct" | "RSA" | "EC" | "OKP";

export interface AlgorithmSpec {
  /** The JWK `kty` the key must have. */
  family: KeyFamily;
  importParams: HmacImportParams | RsaHashedImportParams | EcKeyImportParams | Algorithm;
  signParams: Algorithm | RsaPssParams | EcdsaParams;
  /** Hash name for HMAC/RSA/ECDSA, used to check a supplied CryptoKey. */
  hash?: string;
  /** Curve for ECDSA keys. */
  curve?: string;
  /** Minimum HMAC secret length in bytes (the hash output size, RFC 7518 §3.2). */
  minSecretBytes?: number;
}

function hmac(bits: 256 | 384 | 512): AlgorithmSpec {
  const hash = `SHA-${bits}`;
  return {
    family: "oct",
    importParams: { name: "HMAC", hash },
    signParams: { name: "HMAC" },
    hash,
    minSecretBytes: bits / 8,
  };
}

function rsa(bits: 256 | 384 | 512): AlgorithmSpec {
  const hash = `SHA-${bits}`;
  return {
    family: "RSA",
    importParams: { name: "RSASSA-PKCS1-v1_5", hash },
    signParams: { name: "RSASSA-PKCS1-v1_5" },
    hash,
  };
}

function pss(bits: 256 | 384 | 512): AlgorithmSpec {
  const hash = `SHA-${bits}`;
  return {
    family: "RSA",
    importParams: { name: "RSA-PSS", hash },
    signParams: { name: "RSA-PSS", saltLength: bits / 8 } as RsaPssParams,
    hash,
  };
}

function ecdsa(bits: 256 | 384 | 512, curve: string): AlgorithmSpec {
  const hash = `SHA-${bits}`;
  return {
    family: "EC",
    importParams: { name: "ECDSA", namedCurve: curve },
    signParams: { name: "ECDSA", hash } as EcdsaParams,
    hash,
    curve,
  };
}

export const ALGORITHMS: Readonly<Record<JwtAlgorithm, AlgorithmSpec>> = Object.freeze({
  HS256: hmac(256),
  HS384: hmac(384),
  HS512: hmac(512),
  RS256: rsa(256),
  RS384: rsa(384),
  RS512: rsa(512),
  PS256: pss(256),
  PS384: pss(384),
  PS512: pss(512),
  ES256: ecdsa(256, "P-256"),
  ES384: ecdsa(384, "P-384"),
  ES512: ecdsa(512, "P-521"),
  EdDSA: { family: "OKP", importParams: { name: "Ed25519" }, signParams: { name: "Ed25519" } },
});

/** True for the names above; `none`, lowercase spellings and anything else are not algorithms. */
export function isJwtAlgorithm(value: unknown): value is JwtAlgorithm {
  return typeof value === "string" && Object.hasOwn(ALGORITHMS, value);
}

/** The symmetric algorithms: a key shared by signer and verifier. */
export function isSymmetric(alg: JwtAlgorithm): boolean {
  return ALGORITHMS[alg].family === "oct";
}
