/**
 * Signing and verification keys. Each key is bound to exactly one algorithm when it is imported,
 * so the algorithm named in a token header can never change how a key is used (the classic
 * confusion of an RSA public key used as an HMAC secret is impossible by construction).
 */
import { ALGORITHMS, isJwtAlgorithm, type AlgorithmSpec, type JwtAlgorithm } from "../../kernel/crypto/algorithms";

/** A key as configured by the app. */
export interface JwtKeyInput {
  alg: JwtAlgorithm;
  /** Key id, written to the header when signing and matched when verifying. */
  kid?: string;
  /** The shared secret for HS256/384/512: at least 32/48/64 bytes. */
  secret?: string | Uint8Array;
  /** Private key for signing: a CryptoKey, a JWK, or a PKCS#8 PEM. */
  privateKey?: CryptoKey | JsonWebKey | string;
  /** Public key for verifying: a CryptoKey, a JWK, or an SPKI PEM (derived from a JWK private key when absent). */
  publicKey?: CryptoKey | JsonWebKey | string;
}

/** A key ready for use; the algorithm allowlist of a key is exactly its `alg`. */
export interface JwtKey {
  alg: JwtAlgorithm;
  kid?: string;
  signingKey?: CryptoKey;
  verificationKey?: CryptoKey;
}

const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

function configError(message: string): TypeError {
  return new TypeError(`covara/auth: ${message}`);
}

function pemBody(pem: string, label: "PUBLIC KEY" | "PRIVATE KEY"): Uint8Array<ArrayBuffer> {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match) throw configError(`expected a PEM "${label}" block`);
  const binary = atob(match[1]!.replace(/\s+/g, ""));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Refuses a CryptoKey whose algorithm differs from the one it is configured for. */
function assertCryptoKeyFits(key: CryptoKey, alg: JwtAlgorithm, spec: AlgorithmSpec): void {
  const algorithm = key.algorithm as KeyAlgorithm & { hash?: { name: string }; namedCurve?: string };
  const expectedName = (spec.importParams as Algorithm).name;
  const fits =
    algorithm.name === expectedName &&
    // ECDSA keys carry only a curve; the hash belongs to the signature parameters.
    (spec.hash === undefined || spec.family === "EC" || algorithm.hash?.name === spec.hash) &&
    (spec.curve === undefined || algorithm.namedCurve === spec.curve);
  if (!fits) throw configError(`the CryptoKey given for ${alg} is a ${algorithm.name} key with other parameters`);
}

async function importAsymmetric(
  material: CryptoKey | JsonWebKey | string,
  kind: "public" | "private",
  alg: JwtAlgorithm,
  spec: AlgorithmSpec,
  extractable = false,
): Promise<CryptoKey> {
  const usages: KeyUsage[] = kind === "private" ? ["sign"] : ["verify"];
  if (typeof material === "string") {
    const format = kind === "private" ? "pkcs8" : "spki";
    const body = pemBody(material, kind === "private" ? "PRIVATE KEY" : "PUBLIC KEY");
    return crypto.subtle.importKey(format, body, spec.importParams, extractable, usages);
  }
  if (typeof (material as CryptoKey).type === "string" && "algorithm" in material) {
    const key = material as CryptoKey;
    if (key.type !== kind) throw configError(`expected a ${kind} key for ${alg}, got a ${key.type} key`);
    assertCryptoKeyFits(key, alg, spec);
    return key;
  }
  const jwk = material as JsonWebKey;
  if (jwk.kty !== spec.family)
    throw configError(`a ${alg} key must be a JWK of kty "${spec.family}", got "${String(jwk.kty)}"`);
  if (jwk.alg !== undefined && jwk.alg !== alg) throw configError(`the JWK is for ${jwk.alg}, not ${alg}`);
  if (kind === "public" && jwk.d !== undefined) throw configError(`the public JWK for ${alg} contains private members`);
  const { key_ops: _ops, use: _use, ...clean } = jwk;
  return crypto.subtle.importKey("jwk", clean, spec.importParams, extractable, usages);
}

/** The public half of a private key, through its JWK (Web Crypto has no direct derivation). */
async function publicFromPrivate(
  privateKey: CryptoKey | JsonWebKey | string,
  alg: JwtAlgorithm,
  spec: AlgorithmSpec,
): Promise<CryptoKey> {
  let jwk: JsonWebKey;
  if (typeof privateKey === "string" || !("algorithm" in privateKey)) {
    const extractable = await importAsymmetric(privateKey, "private", alg, spec, true);
    jwk = await crypto.subtle.exportKey("jwk", extractable);
  } else if (privateKey.extractable) {
    jwk = await crypto.subtle.exportKey("jwk", privateKey);
  } else {
    throw configError(`a non-extractable private CryptoKey for ${alg} needs its publicKey beside it`);
  }
  const publicJwk: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_JWK_MEMBERS) delete publicJwk[member];
  delete publicJwk.key_ops;
  // Public keys stay extractable so they can be published in a JWKS document.
  return crypto.subtle.importKey("jwk", publicJwk as JsonWebKey, spec.importParams, true, ["verify"]);
}

/** Imports a configured key, binding it to its algorithm; throws a TypeError on misconfiguration. */
export async function importJwtKey(input: JwtKeyInput): Promise<JwtKey> {
  if (!isJwtAlgorithm(input.alg)) throw configError(`unsupported JWT algorithm ${JSON.stringify(input.alg)}`);
  const alg = input.alg;
  const spec = ALGORITHMS[alg];
  const kid = input.kid;
  if (spec.family === "oct") {
    if (input.secret === undefined) throw configError(`${alg} needs a secret`);
    if (input.privateKey !== undefined || input.publicKey !== undefined)
      throw configError(`${alg} takes a secret, not a key pair`);
    const bytes =
      typeof input.secret === "string" ? new TextEncoder().encode(input.secret) : new Uint8Array(input.secret);
    if (bytes.byteLength < spec.minSecretBytes!) {
      throw configError(
        `the ${alg} secret must be at least ${spec.minSecretBytes} bytes long (got ${bytes.byteLength})`,
      );
    }
    const key = await crypto.subtle.importKey("raw", bytes, spec.importParams, false, ["sign", "verify"]);
    return { alg, kid, signingKey: key, verificationKey: key };
  }
  if (input.secret !== undefined) throw configError(`${alg} is asymmetric: give privateKey/publicKey, not a secret`);
  if (input.privateKey === undefined && input.publicKey === undefined)
    throw configError(`${alg} needs a privateKey or a publicKey`);
  const signingKey =
    input.privateKey === undefined ? undefined : await importAsymmetric(input.privateKey, "private", alg, spec);
  const verificationKey =
    input.publicKey !== undefined
      ? await importAsymmetric(input.publicKey, "public", alg, spec, true)
      : await publicFromPrivate(input.privateKey!, alg, spec);
  return { alg, kid, signingKey, verificationKey };
}

/** Generates a fresh key pair (or secret) for `alg`; handy for tests and development. */
export async function generateJwtKey(alg: JwtAlgorithm, kid?: string): Promise<JwtKeyInput> {
  const spec = ALGORITHMS[alg];
  if (spec.family === "oct") {
    const secret = new Uint8Array(spec.minSecretBytes!);
    crypto.getRandomValues(secret);
    return { alg, kid, secret };
  }
  const params =
    spec.family === "RSA"
      ? {
          ...(spec.importParams as RsaHashedImportParams),
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
        }
      : spec.importParams;
  const pair = (await crypto.subtle.generateKey(params as RsaHashedKeyGenParams, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  return { alg, kid, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** The public JWK of a key, for publishing in a JWKS document. */
export async function exportPublicJwk(key: JwtKey): Promise<JsonWebKey & { kid?: string; alg: string; use: string }> {
  if (ALGORITHMS[key.alg].family === "oct") throw configError("a shared HMAC secret is never published");
  if (!key.verificationKey?.extractable) throw configError("the verification key is not extractable");
  const jwk = await crypto.subtle.exportKey("jwk", key.verificationKey);
  delete jwk.key_ops;
  delete jwk.ext;
  return { ...jwk, alg: key.alg, use: "sig", ...(key.kid === undefined ? {} : { kid: key.kid }) };
}
