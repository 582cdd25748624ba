/**
 * `createOIDCResourceMiddleware`: accepts a covara OIDC provider's access tokens in an API that
 * runs in another process. The provider's keys come over HTTP (its discovery document, or
 * `jwksUri`) and are cached. An unknown `kid` refetches them, at most once per cooldown. While the
 * provider is unreachable, cached keys keep serving. With none cached the answer is a 503 with
 * Retry-After, and later requests retry with a growing backoff.
 *
 * Tokens are checked offline (signature, typ, iss, aud, exp): a revoked grant stays usable here
 * until its access token expires. APIs that must see revocation at once ask /introspect instead.
 */
import type { MiddlewareHandler } from "hono";
import { createRemoteJWKS, verifyJWT, type JWTHeader, type JWTKey, type RemoteJWKSOptions } from "../auth";
import type { JwtAlgorithm } from "../kernel/crypto/algorithms";
import { ALGORITHMS } from "../kernel/crypto/algorithms";
import { createBoundedMemo } from "../kernel/bounded-memo";
import { invalidToken } from "../auth/port";
import { ProblemError } from "../kernel/errors";
import type { CovaraUser } from "../kernel/http";
import { readBearer } from "./access-token";
import type { OIDCEnv } from "./access-token-middleware";
import type { AccessTokenClaims } from "./types";
import { assumeType } from "../kernel/erased";

export interface OIDCResourceMiddlewareOptions {
  /** The provider's issuer, exactly as in its tokens and discovery document. */
  issuer: string;
  /** Accepted `aud` values (default: the issuer, the provider's default `accessTokenAudience`). */
  audience?: string | readonly string[];
  /** The provider's JWKS; default: the `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
  jwksUri?: string;
  /** Accepted signing algorithms (default: every asymmetric one; `none` and HMAC never). */
  algorithms?: readonly JwtAlgorithm[];
  /** Tolerance for exp, nbf and iat in seconds (default 30). */
  clockSkewSeconds?: number;
  /** Key caching and retries: how long keys are fresh, the unknown-kid cooldown, retry delays. */
  jwks?: Pick<RemoteJWKSOptions, "cacheTtlSeconds" | "cooldownSeconds" | "retries" | "retryDelayMs" | "timeoutMs">;
  /** Maps verified claims to `c.get("user")`; null refuses the token (default: `{ id: sub, clientId, scope }`). */
  resolveUser?: (claims: AccessTokenClaims) => Promise<CovaraUser | null> | CovaraUser | null;
  fetch?: typeof fetch;
}

const ASYMMETRIC = (Object.keys(ALGORITHMS) as JwtAlgorithm[]).filter((alg) => ALGORITHMS[alg].family !== "oct");
/** RFC 9068 §4: the media type may be written with or without its "application/" prefix. */
const ACCESS_TOKEN_TYPES = new Set(["at+jwt", "application/at+jwt"]);
const DISCOVERY_BACKOFF_START_MS = 1000;
const DISCOVERY_BACKOFF_MAX_MS = 5 * 60_000;

function unavailable(retryAfterMs: number): ProblemError {
  return new ProblemError("service-unavailable", {
    detail: "The token issuer's signing keys are temporarily unavailable",
    headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  });
}

/**
 * Finds the provider's jwks_uri once through discovery. A failed lookup is retried on a later
 * request, after a backoff that doubles with each failure, and answers 503 until then.
 */
function discoverJwksUri(issuer: string, fetcher: typeof fetch, timeoutMs: number): () => Promise<string> {
  let found: string | undefined;
  let inflight: Promise<string> | undefined;
  let failures = 0;
  let blockedUntil = 0;

  async function lookup(): Promise<string> {
    const response = await fetcher(`${issuer}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json" },
    });
    if (!response.ok) throw new Error(`discovery answered ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // A document naming another issuer is not this provider's; its keys must not be trusted.
    if (document.issuer !== issuer) throw new Error("discovery names another issuer");
    if (typeof document.jwks_uri !== "string" || !URL.canParse(document.jwks_uri))
      throw new Error("discovery has no valid jwks_uri");
    return document.jwks_uri;
  }

  return async () => {
    if (found !== undefined) return found;
    if (Date.now() < blockedUntil) throw unavailable(blockedUntil - Date.now());
    inflight ??= lookup().finally(() => (inflight = undefined));
    try {
      found = await inflight;
      return found;
    } catch {
      failures = Math.min(failures + 1, 20);
      blockedUntil = Date.now() + Math.min(DISCOVERY_BACKOFF_START_MS * 2 ** (failures - 1), DISCOVERY_BACKOFF_MAX_MS);
      throw unavailable(blockedUntil - Date.now());
    }
  };
}

/** The provider's keys for a token header: discovery first (unless jwksUri is given), then the cached JWKS. */
function keySource(
  options: OIDCResourceMiddlewareOptions,
  issuer: string,
  algorithms: readonly JwtAlgorithm[],
): (header: JWTHeader) => Promise<JWTKey[]> {
  const fetcher = options.fetch ?? fetch;
  const settings = { ...options.jwks, algorithms, fetch: fetcher };
  if (options.jwksUri !== undefined) {
    const jwks = createRemoteJWKS({ ...settings, url: options.jwksUri });
    return (header) => jwks(header);
  }
  const jwksUri = discoverJwksUri(issuer, fetcher, options.jwks?.timeoutMs ?? 5000);
  let jwks: ReturnType<typeof createRemoteJWKS> | undefined;
  return async (header) => {
    jwks ??= createRemoteJWKS({ ...settings, url: await jwksUri() });
    return jwks(header);
  };
}

function defaultUser(claims: AccessTokenClaims): CovaraUser {
  const isClient = claims.gty === "client_credentials";
  return { id: claims.sub, clientId: claims.client_id, scope: claims.scope, ...(isClient ? { isClient: true } : {}) };
}

/** Builds the middleware. A request without a bearer token passes through; a rejected token is a 401 problem. */
export function createOIDCResourceMiddleware(options: OIDCResourceMiddlewareOptions): MiddlewareHandler<OIDCEnv> {
  if (typeof options.issuer !== "string" || !URL.canParse(options.issuer))
    throw new TypeError("covara/oidc: the resource middleware needs the provider's issuer URL");
  if (options.jwksUri !== undefined && !URL.canParse(options.jwksUri))
    throw new TypeError("covara/oidc: jwksUri must be an absolute URL");
  const issuer = options.issuer.replace(/\/+$/, "");
  const algorithms = (options.algorithms ?? ASYMMETRIC).filter((alg) => ALGORITHMS[alg]?.family !== "oct");
  if (algorithms.length === 0)
    throw new TypeError("covara/oidc: the resource middleware needs at least one asymmetric algorithm");
  const audience = options.audience ?? issuer;
  const keys = keySource(options, issuer, algorithms);
  const resolveUser = options.resolveUser ?? defaultUser;

  // A token's signature and claims never change: verified once, it is remembered until it expires.
  const verifiedTokens = createBoundedMemo<string, AccessTokenClaims>(4096);
  const skew = options.clockSkewSeconds ?? 30;

  return async (c, next) => {
    const token = readBearer(c.req.header("authorization"));
    if (token === undefined) return next();
    const known = verifiedTokens.get(token);
    const claims = known && known.exp + skew > Date.now() / 1000 ? known : await verifyAccessToken(token);
    const user = await resolveUser(claims);
    if (!user) throw invalidToken();
    c.set("user", user);
    c.set("oidcToken", claims);
    return next();
  };

  async function verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    let claims: AccessTokenClaims;
    try {
      const verified = await verifyJWT(token, {
        keys,
        issuer,
        audience,
        algorithms,
        clockSkewSeconds: options.clockSkewSeconds,
        requiredClaims: ["sub", "client_id", "jti"],
      });
      // The provider's id_tokens are signed by the same keys; only typ tells an access token apart.
      if (!ACCESS_TOKEN_TYPES.has(String(verified.header.typ).toLowerCase())) throw invalidToken();
      // The signature and the required claims were verified just above.
      claims = assumeType<AccessTokenClaims>(verified.claims);
    } catch (error) {
      // The keys' 503 reaches the client as it is; every other failure is the one uniform 401.
      if (error instanceof ProblemError && error.problemType === "service-unavailable") throw error;
      throw invalidToken();
    }
    if (typeof claims.sub !== "string" || typeof claims.client_id !== "string") throw invalidToken();
    verifiedTokens.set(token, claims);
    return claims;
  }
}
