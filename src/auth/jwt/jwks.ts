/**
 * Verification keys from a remote JWKS document (a third-party issuer's `jwks_uri`). Keys are
 * cached; an unknown `kid` triggers a refetch (key rotation) at most once per cooldown. When the
 * endpoint fails, fetching retries with exponential backoff, cached keys keep serving, and only
 * with no cached keys at all does verification answer 503 `service-unavailable`.
 */
import { ProblemError } from "../../kernel/errors";
import { readBoundedText } from "../../kernel/body";
import { ALGORITHMS, isJwtAlgorithm, type JwtAlgorithm } from "../../kernel/crypto/algorithms";
import { importJwtKey, type JwtKey } from "./keys";
import type { JwtHeader } from "./verify";

/** A JWKS is a few keys; anything larger than this is refused like an unreachable endpoint. */
const MAX_JWKS_BYTES = 256 * 1024;

export interface RemoteJwksOptions {
  url: string;
  /** Accepted algorithms (default: every asymmetric one; shared secrets are never taken from a JWKS). */
  algorithms?: readonly JwtAlgorithm[];
  /** How long fetched keys are fresh, in seconds (default 600). */
  cacheTtlSeconds?: number;
  /** Least time between two fetches caused by an unknown `kid`, in seconds (default 30). */
  cooldownSeconds?: number;
  /** Extra attempts after a failed fetch (default 2), waiting `retryDelayMs` × 2^n between them. */
  retries?: number;
  retryDelayMs?: number;
  /** Per-attempt timeout in ms (default 5000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A JWKS-backed key source for `verifyJwt`. */
export type RemoteJwks = ((header: JwtHeader) => Promise<JwtKey[]>) & {
  /** Drops the cache (tests, forced rotation). */
  reset(): void;
};

const ASYMMETRIC = (Object.keys(ALGORITHMS) as JwtAlgorithm[]).filter((alg) => ALGORITHMS[alg].family !== "oct");

/** The algorithm a JWK without `alg` most plausibly uses. */
function inferAlgorithm(jwk: JsonWebKey): JwtAlgorithm | undefined {
  if (jwk.kty === "RSA") return "RS256";
  if (jwk.kty === "EC") return ({ "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" } as const)[jwk.crv as "P-256"];
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "EdDSA";
  return undefined;
}

async function keysFromDocument(document: unknown, allowed: readonly JwtAlgorithm[]): Promise<JwtKey[]> {
  const list = (document as { keys?: unknown })?.keys;
  if (!Array.isArray(list)) throw new Error("the JWKS document has no keys array");
  const keys: JwtKey[] = [];
  for (const entry of list.slice(0, 100)) {
    if (typeof entry !== "object" || entry === null) continue;
    const jwk = entry as JsonWebKey & { kid?: unknown };
    if (jwk.use !== undefined && jwk.use !== "sig") continue;
    const alg = jwk.alg ?? inferAlgorithm(jwk);
    if (!isJwtAlgorithm(alg) || !allowed.includes(alg) || ALGORITHMS[alg].family === "oct") continue;
    try {
      keys.push(await importJwtKey({ alg, kid: typeof jwk.kid === "string" ? jwk.kid : undefined, publicKey: jwk }));
    } catch {
      // One malformed key must not take the others down.
    }
  }
  return keys;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Creates a cached, retrying JWKS key source. */
export function createRemoteJwks(options: RemoteJwksOptions): RemoteJwks {
  const allowed = options.algorithms ?? ASYMMETRIC;
  const ttlMs = (options.cacheTtlSeconds ?? 600) * 1000;
  const cooldownMs = (options.cooldownSeconds ?? 30) * 1000;
  const retries = options.retries ?? 2;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const timeoutMs = options.timeoutMs ?? 5000;
  const fetcher = options.fetch ?? fetch;

  let cached: { keys: JwtKey[]; fetchedAt: number } | undefined;
  let inflight: Promise<void> | undefined;
  let lastAttemptAt = 0;
  /** After failures, no new fetch before this time: callers are not made to wait on a dead endpoint. */
  let blockedUntil = 0;
  let consecutiveFailures = 0;

  async function fetchOnce(): Promise<JwtKey[]> {
    const response = await fetcher(options.url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json" },
    });
    if (!response.ok) throw new Error(`JWKS endpoint answered ${response.status}`);
    // Counted while streaming: a hostile or broken endpoint cannot make us buffer more than this.
    return keysFromDocument(JSON.parse(await readBoundedText(response, MAX_JWKS_BYTES)), allowed);
  }

  async function refresh(): Promise<void> {
    lastAttemptAt = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        cached = { keys: await fetchOnce(), fetchedAt: Date.now() };
        consecutiveFailures = 0;
        blockedUntil = 0;
        return;
      } catch (error) {
        if (attempt >= retries) {
          consecutiveFailures++;
          blockedUntil = Date.now() + Math.min(cooldownMs * 2 ** (consecutiveFailures - 1), 10 * 60_000);
          throw error;
        }
        await sleep(retryDelayMs * 2 ** attempt);
      }
    }
  }

  function refreshShared(): Promise<void> {
    inflight ??= refresh().finally(() => (inflight = undefined));
    return inflight;
  }

  function unavailable(): ProblemError {
    const retryAfter = Math.max(1, Math.ceil((blockedUntil - Date.now()) / 1000));
    return new ProblemError("service-unavailable", {
      detail: "The token issuer's signing keys are temporarily unavailable",
      headers: { "retry-after": String(retryAfter) },
    });
  }

  const source = (async (header: JwtHeader) => {
    const now = Date.now();
    const fresh = cached !== undefined && now - cached.fetchedAt < ttlMs;
    const knowsKid = header.kid === undefined || cached?.keys.some((key) => key.kid === header.kid) === true;
    const mayRefetch = now >= blockedUntil && (!fresh || now - lastAttemptAt >= cooldownMs);
    if ((fresh && knowsKid) || !mayRefetch) {
      if (cached) return cached.keys;
      throw unavailable();
    }
    try {
      await refreshShared();
    } catch {
      if (cached) return cached.keys;
      throw unavailable();
    }
    return cached!.keys;
  }) as RemoteJwks;
  source.reset = () => {
    cached = undefined;
    blockedUntil = 0;
    consecutiveFailures = 0;
    lastAttemptAt = 0;
  };
  return source;
}
