/**
 * `createJWTAdapter(...)`: bearer JWT authentication. It verifies the app's own tokens (and can
 * issue them at login) and, optionally, tokens of third-party issuers with static keys or a JWKS.
 * Only configured issuers are accepted, and identity is keyed by issuer and subject: the same
 * `sub` from two issuers is two different users.
 */
import type { Context } from "hono";
import type { CovaraEnv } from "../../kernel/http";
import type { JwtAlgorithm } from "../../kernel/crypto/algorithms";
import { decodeJsonSegment } from "../../kernel/crypto/base64url";
import { bearerToken, invalidToken, looksLikeJwt } from "../jwt/bearer";
import { createRemoteJwks } from "../jwt/jwks";
import { importJwtKey, type JwtKey, type JwtKeyInput } from "../jwt/keys";
import { signJwt, type JwtClaims } from "../jwt/sign";
import { JwtVerificationError, verifyJwt, type JwtKeySource } from "../jwt/verify";
import type { AuthUser, StrategyContext, UserDirectory } from "../types";
import type { AuthAdapter } from "./legacy-adapter";

/** A third-party issuer whose tokens are accepted (verified only, never issued). */
export interface TrustedIssuer {
  issuer: string;
  audience: string | string[];
  /** Static keys (an HS secret shared with the issuer, or its public keys). */
  keys?: JwtKeyInput[];
  /** The issuer's JWKS endpoint (keys cached, refetched on rotation, 503 when unreachable with no cache). */
  jwksUri?: string;
  /** Accepted algorithms for this issuer (default: whatever its keys are for). */
  algorithms?: JwtAlgorithm[];
}

export interface JWTAdapterOptions {
  /** The app's own HS256 secret (shorthand for `keys`). */
  secret?: string | Uint8Array;
  /** The app's own keys; the first able to sign issues tokens at login. */
  keys?: JwtKeyInput[];
  /** The app's own issuer and audience (required with `secret`/`keys`). */
  issuer?: string;
  audience?: string;
  /** Lifetime of issued tokens in seconds (default 3600). */
  expiresInSeconds?: number;
  /** Other issuers to accept. */
  trustedIssuers?: TrustedIssuer[];
  clockSkewSeconds?: number;
  /**
   * Maps verified claims to the user. Default: the app's own tokens → `users.getById(sub)`;
   * a trusted issuer's tokens → `{ id: "<iss>|<sub>", issuer, subject }`.
   */
  resolveUser?(claims: JwtClaims & { iss: string; sub: string }, own: boolean): Promise<AuthUser | null>;
  fetch?: typeof fetch;
}

interface IssuerConfig {
  issuer: string;
  audience: string | string[];
  keys: JwtKeySource;
  algorithms?: JwtAlgorithm[];
  own: boolean;
}

/** The identity a third-party token maps to by default: issuer and subject together. */
export function externalSubjectId(issuer: string, subject: string): string {
  return `${issuer}|${subject}`;
}

/** Creates a JWT bearer adapter. */
export function createJWTAdapter(options: JWTAdapterOptions): AuthAdapter {
  const ownInputs =
    options.keys ?? (options.secret !== undefined ? [{ alg: "HS256" as const, secret: options.secret }] : []);
  if (ownInputs.length > 0 && (!options.issuer || !options.audience)) {
    throw new TypeError("covara/auth: createJWTAdapter needs an issuer and audience for its own keys");
  }
  if (ownInputs.length === 0 && (options.trustedIssuers ?? []).length === 0) {
    throw new TypeError("covara/auth: createJWTAdapter needs its own keys or at least one trusted issuer");
  }
  const expiresIn = options.expiresInSeconds ?? 3600;
  let users: UserDirectory | undefined;

  const ownKeys: Promise<JwtKey[]> = Promise.all(ownInputs.map(importJwtKey));
  // Do not let an unawaited configuration error become an unhandled rejection; it surfaces on use.
  ownKeys.catch(() => {});
  const issuers = new Map<string, Promise<IssuerConfig>>();
  if (ownInputs.length > 0) {
    issuers.set(
      options.issuer!,
      ownKeys.then((keys) => ({ issuer: options.issuer!, audience: options.audience!, keys, own: true })),
    );
  }
  for (const trusted of options.trustedIssuers ?? []) {
    if (issuers.has(trusted.issuer)) throw new TypeError(`covara/auth: issuer ${trusted.issuer} is configured twice`);
    if (!trusted.keys && !trusted.jwksUri)
      throw new TypeError(`covara/auth: trusted issuer ${trusted.issuer} needs keys or a jwksUri`);
    const config: Promise<IssuerConfig> = (async () => ({
      issuer: trusted.issuer,
      audience: trusted.audience,
      keys: trusted.jwksUri
        ? createRemoteJwks({ url: trusted.jwksUri, algorithms: trusted.algorithms, fetch: options.fetch })
        : await Promise.all(trusted.keys!.map(importJwtKey)),
      algorithms: trusted.algorithms,
      own: false,
    }))();
    config.catch(() => {});
    issuers.set(trusted.issuer, config);
  }

  async function resolveUser(claims: JwtClaims & { iss: string; sub: string }, own: boolean): Promise<AuthUser | null> {
    if (options.resolveUser) return options.resolveUser(claims, own);
    if (own) return users ? users.getById(claims.sub) : { id: claims.sub };
    return { id: externalSubjectId(claims.iss, claims.sub), issuer: claims.iss, subject: claims.sub };
  }

  async function verify(token: string): Promise<{ claims: JwtClaims & { iss: string; sub: string }; own: boolean }> {
    // The unverified `iss` only picks which issuer's keys to try; the verified claims must then name it.
    const payload = decodeJsonSegment(token.split(".")[1] ?? "");
    const issuer = typeof payload?.iss === "string" ? issuers.get(payload.iss) : undefined;
    if (!issuer) throw invalidToken();
    const config = await issuer;
    try {
      const { claims } = await verifyJwt(token, {
        keys: config.keys,
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockSkewSeconds: options.clockSkewSeconds,
        requiredClaims: ["sub"],
      });
      return { claims: claims as JwtClaims & { iss: string; sub: string }, own: config.own };
    } catch (error) {
      if (error instanceof JwtVerificationError) throw invalidToken();
      throw error;
    }
  }

  return {
    name: "jwt",
    bind(context: StrategyContext) {
      users = context.users;
    },
    async getUser(c: Context<CovaraEnv>) {
      const token = bearerToken(c);
      if (token === undefined || !looksLikeJwt(token)) return null;
      const { claims, own } = await verify(token);
      const user = await resolveUser(claims, own);
      if (user === null) throw invalidToken();
      return user;
    },
    async createSession(c, user) {
      const signer = (await ownKeys).find((key) => key.signingKey !== undefined);
      if (!signer)
        throw new TypeError("covara/auth: createJWTAdapter has no key that can sign, so it cannot issue tokens");
      const now = Math.floor(Date.now() / 1000);
      const token = await signJwt(
        { iss: options.issuer!, aud: options.audience!, sub: String(user.id), iat: now, exp: now + expiresIn },
        signer,
      );
      c.header("cache-control", "no-store");
      return { accessToken: token, tokenType: "Bearer", expiresIn };
    },
    // Stateless tokens: logging out is the client discarding its token; they expire on their own.
    async destroySession() {},
  };
}
