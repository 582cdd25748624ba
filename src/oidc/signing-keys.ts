/**
 * The provider's signing keys. With none configured, one RS256 and one ES256 key are generated
 * at start (per process: several instances need configured keys). `rotate()` adds a fresh key
 * per algorithm that signs from then on, while the retired keys stay published in the JWKS until
 * every token they signed has expired.
 */
import { exportPublicJWK, generateJWTKey, importJWTKey, type JWTKey, type JWTKeyInput } from "../auth";
import type { JwtAlgorithm } from "../kernel/crypto/algorithms";
import { randomHandle } from "./encoding";

interface HeldKey {
  key: JWTKey;
  /** When set, the key no longer signs and leaves the JWKS at this time (ms). */
  retiredUntil?: number;
}

/** The provider's key ring. */
export interface ProviderKeys {
  /** The current key for `alg` (default: the first configured algorithm). */
  signingKey(alg?: JwtAlgorithm): JWTKey;
  /** Every key whose tokens may still be valid. */
  verificationKeys(): JWTKey[];
  /** The public JWKS document. */
  jwks(): Promise<{ keys: JsonWebKey[] }>;
  /** Algorithms the provider signs with. */
  algorithms(): JwtAlgorithm[];
  /** Starts signing with fresh keys; old public keys stay published for `retireAfterSeconds`. */
  rotate(): Promise<void>;
}

const DEFAULT_ALGORITHMS: JwtAlgorithm[] = ["RS256", "ES256"];

async function importWithKid(input: JWTKeyInput): Promise<JWTKey> {
  return importJWTKey({ ...input, kid: input.kid ?? randomHandle(12) });
}

/** Configured keys, or `{ algorithm }` for one generated key of that algorithm. */
export type ProviderKeysOption = readonly JWTKeyInput[] | { algorithm: JwtAlgorithm };

async function keyInputs(configured: ProviderKeysOption | undefined): Promise<readonly JWTKeyInput[]> {
  if (configured === undefined) return Promise.all(DEFAULT_ALGORITHMS.map((alg) => generateJWTKey(alg)));
  if (Array.isArray(configured)) {
    if (configured.length === 0) throw new TypeError("covara/oidc: keys must list at least one key");
    return configured;
  }
  const { algorithm } = configured as { algorithm?: unknown };
  if (typeof algorithm !== "string")
    throw new TypeError('covara/oidc: keys must be a list of keys or { algorithm: "RS256" | "ES256" | … }');
  return [await generateJWTKey(algorithm as JwtAlgorithm)];
}

/** Imports (or generates) the key ring; throws a TypeError on a misconfigured key. */
export async function createProviderKeys(
  configured: ProviderKeysOption | undefined,
  retireAfterSeconds: number,
): Promise<ProviderKeys> {
  const inputs = await keyInputs(configured);
  let held: HeldKey[] = [];
  for (const input of inputs) {
    const key = await importWithKid(input);
    if (key.alg.startsWith("HS"))
      throw new TypeError("covara/oidc: provider keys must be asymmetric (a shared secret cannot be published)");
    held.push({ key });
  }
  const algorithms = [...new Set(held.map((entry) => entry.key.alg))];

  function live(): HeldKey[] {
    const now = Date.now();
    held = held.filter((entry) => entry.retiredUntil === undefined || entry.retiredUntil > now);
    return held;
  }

  return {
    signingKey(alg = algorithms[0]!) {
      const entry = live().find(
        (candidate) => candidate.key.alg === alg && candidate.retiredUntil === undefined && candidate.key.signingKey,
      );
      if (!entry) throw new TypeError(`covara/oidc: no signing key for ${alg}`);
      return entry.key;
    },
    verificationKeys: () => live().map((entry) => entry.key),
    async jwks() {
      return { keys: await Promise.all(live().map((entry) => exportPublicJWK(entry.key))) };
    },
    algorithms: () => [...algorithms],
    async rotate() {
      const retiredUntil = Date.now() + retireAfterSeconds * 1000;
      const fresh = await Promise.all(
        algorithms.map(async (alg) => ({ key: await importWithKid(await generateJWTKey(alg)) })),
      );
      for (const entry of live()) entry.retiredUntil ??= retiredUntil;
      held.push(...fresh);
    },
  };
}
