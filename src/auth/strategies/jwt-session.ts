/**
 * `jwtSession()`: a short-lived bearer access token (JWT) plus a long-lived refresh token in an
 * HttpOnly cookie, exchanged at `POST /refresh` with rotation and reuse detection. Access tokens
 * carry the refresh family as `sid`, so logging out (which revokes the family) also ends the
 * access tokens issued under it, unless `checkRevocation` is turned off.
 */
import type { Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import type { CovaraEnv } from "../../kernel/http";
import { readJsonBody } from "../../kernel/body";
import { randomToken } from "../../kernel/web-crypto";
import { bearerToken, invalidToken, looksLikeJwt } from "../jwt/bearer";
import { importJwtKey, type JwtKey, type JwtKeyInput } from "../jwt/keys";
import { signJwt } from "../jwt/sign";
import { checkClaims, verifyJwt, JwtVerificationError } from "../jwt/verify";
import { createBoundedMemo } from "../../kernel/bounded-memo";
import { authBasePath } from "../routes/auth-base-path";
import type { AuthenticatedRequest, AuthUser, SessionStrategy, StrategyContext } from "../types";
import { createRefreshTokenStore, type RefreshTokenStore } from "./refresh-tokens";
import {
  assertCookieOptions,
  clearCredentialCookie,
  writeCredentialCookie,
  type SessionCookieOptions,
} from "./session-cookie";
import { unboundStrategyContext } from "./strategy-context";

export interface JwtSessionOptions {
  /** HS256 shared secret (at least 32 bytes); shorthand for `keys: [{ alg: "HS256", secret }]`. */
  secret?: string | Uint8Array;
  /** Keys: the first one with a private key (or secret) signs; all verify (for rotation). */
  keys?: JwtKeyInput[];
  /** The `iss` of issued tokens; only it is accepted. */
  issuer: string;
  /** The `aud` of issued tokens; only it is accepted. */
  audience: string;
  /** Access-token lifetime in seconds (default 900). */
  accessTtlSeconds?: number;
  /** Refresh-token lifetime in seconds, renewed on each refresh (default 30 days). */
  refreshTtlSeconds?: number;
  /** Clock skew tolerated on exp/nbf/iat, in seconds (default 30). */
  clockSkewSeconds?: number;
  /** Check on each request that the token's refresh family is still live (default true). */
  checkRevocation?: boolean;
  /** The refresh cookie (default name "covara.refresh", SameSite=Strict, path = the auth router). */
  refreshCookie?: SessionCookieOptions;
  /** Also return the refresh token in the JSON body, for clients without cookies (default false). */
  refreshTokenInBody?: boolean;
}

/** The claims of a verified access token. */
export interface AccessClaims {
  sub: string;
  sid?: string;
  [claim: string]: unknown;
}

export interface JwtSessionStrategy extends SessionStrategy {
  /** Verifies an access token and returns its claims (401 problem when invalid). */
  verifyAccessToken(token: string): Promise<AccessClaims>;
}

const MAX_REFRESH_BODY_BYTES = 4096;
const ACCESS_TOKEN_TYPES = new Set(["at+jwt", "application/at+jwt"]);

/** Creates a JWT session strategy. */
export function jwtSession(options: JwtSessionOptions): JwtSessionStrategy {
  if (typeof options.issuer !== "string" || options.issuer === "")
    throw new TypeError("covara/auth: jwtSession needs an issuer");
  if (typeof options.audience !== "string" || options.audience === "")
    throw new TypeError("covara/auth: jwtSession needs an audience");
  const inputs =
    options.keys ?? (options.secret !== undefined ? [{ alg: "HS256" as const, secret: options.secret }] : []);
  if (inputs.length === 0) throw new TypeError("covara/auth: jwtSession needs a secret or keys");
  const accessTtl = options.accessTtlSeconds ?? 900;
  const refreshTtl = options.refreshTtlSeconds ?? 30 * 24 * 60 * 60;
  if (!(accessTtl > 0 && refreshTtl > 0))
    throw new TypeError("covara/auth: jwtSession token lifetimes must be positive");
  const cookie: SessionCookieOptions = { sameSite: "Strict", ...options.refreshCookie };
  assertCookieOptions(cookie, "jwtSession.refreshCookie");
  const cookieName = cookie.name ?? "covara.refresh";
  const checkRevocation = options.checkRevocation ?? true;

  // Key import is asynchronous; a configuration error surfaces on first use, not on every request.
  let keysPromise: Promise<{ all: JwtKey[]; signer: JwtKey }> | undefined;
  const keys = () =>
    (keysPromise ??= Promise.all(inputs.map(importJwtKey)).then((all) => {
      const signer = all.find((key) => key.signingKey !== undefined);
      if (!signer) throw new TypeError("covara/auth: jwtSession has no key that can sign");
      return { all, signer };
    }));

  let context: StrategyContext | undefined;
  const ctx = () => (context ??= unboundStrategyContext());
  const refreshTokens: RefreshTokenStore = createRefreshTokenStore(() => ctx().kv, refreshTtl * 1000);

  const cookiePath = (c: Context) => cookie.path ?? authBasePath(c) ?? "/";

  async function accessToken(userId: string, familyId: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const { signer } = await keys();
    return signJwt(
      {
        iss: options.issuer,
        aud: options.audience,
        sub: userId,
        iat: now,
        exp: now + accessTtl,
        sid: familyId,
        jti: randomToken(12),
      },
      signer,
      { typ: "at+jwt" },
    );
  }

  function tokenBody(access: string, refresh: string): Record<string, unknown> {
    return {
      accessToken: access,
      tokenType: "Bearer",
      expiresIn: accessTtl,
      ...(options.refreshTokenInBody ? { refreshToken: refresh } : {}),
    };
  }

  const claimRules = {
    issuer: options.issuer,
    audience: options.audience,
    clockSkewSeconds: options.clockSkewSeconds,
    requiredClaims: ["sub"],
  };
  // A token whose signature verified once is remembered (bounded), so repeat requests skip the
  // Web Crypto call; its time-based claims are still checked on every use.
  const verified = createBoundedMemo<string, AccessClaims>(10_000);

  async function verifyAccessToken(token: string): Promise<AccessClaims> {
    try {
      const known = verified.get(token);
      if (known !== undefined) {
        checkClaims(known, claimRules);
        return known;
      }
      const { header, claims } = await verifyJwt(token, { keys: (await keys()).all, ...claimRules });
      // Only access tokens (RFC 9068 typ): another JWT signed with the same key is not one.
      if (!ACCESS_TOKEN_TYPES.has(String(header.typ).toLowerCase())) throw invalidToken();
      verified.set(token, claims as AccessClaims);
      return claims as AccessClaims;
    } catch (error) {
      if (error instanceof JwtVerificationError) throw invalidToken();
      throw error;
    }
  }

  /** The refresh token from the cookie, else from a JSON body `{ refreshToken }`. */
  async function presentedRefreshToken(c: Context): Promise<string | undefined> {
    const fromCookie = getCookie(c, cookieName);
    if (fromCookie !== undefined) return fromCookie;
    if (!(c.req.header("content-type") ?? "").includes("json")) return undefined;
    const body = await readJsonBody(c, MAX_REFRESH_BODY_BYTES);
    const token = (body as { refreshToken?: unknown } | null)?.refreshToken;
    return typeof token === "string" ? token : undefined;
  }

  async function refresh(c: Context<CovaraEnv>): Promise<Response> {
    const presented = await presentedRefreshToken(c);
    const rejected = () => {
      if (getCookie(c, cookieName) !== undefined) clearCredentialCookie(c, cookieName, cookie, cookiePath(c));
      const problem = invalidToken();
      return problem.getResponse();
    };
    if (presented === undefined) return rejected();
    const result = await refreshTokens.rotate(presented, (owner) => ctx().throttle(c, `refresh:${owner}`));
    if (result.status !== "rotated") return rejected();
    const user = await ctx().users.getById(result.userId);
    if (user === null) {
      await refreshTokens.revokeFamily(result.familyId);
      return rejected();
    }
    writeCredentialCookie(c, cookieName, result.token, cookie, refreshTtl, cookiePath(c));
    const body = tokenBody(await accessToken(result.userId, result.familyId), result.token);
    // Tokens must never be cached by an intermediary.
    c.header("cache-control", "no-store");
    return c.json(body);
  }

  return {
    name: "jwt-session",
    verifyAccessToken,

    bind(bound) {
      context = bound;
    },

    async issue(c: Context<CovaraEnv>, user: AuthUser) {
      // Rotation: a refresh family the request carried from before this sign-in is ended.
      const previous = getCookie(c, cookieName);
      if (previous !== undefined) {
        const family = await refreshTokens.familyOf(previous);
        if (family !== null) await refreshTokens.revokeFamily(family);
      }
      const userId = String(user.id);
      const { familyId, token } = await refreshTokens.startFamily(userId);
      writeCredentialCookie(c, cookieName, token, cookie, refreshTtl, cookiePath(c));
      c.header("cache-control", "no-store");
      return tokenBody(await accessToken(userId, familyId), token);
    },

    async authenticate(c): Promise<AuthenticatedRequest | null> {
      const token = bearerToken(c);
      if (token === undefined || !looksLikeJwt(token)) return null;
      const claims = await verifyAccessToken(token);
      if (checkRevocation && (typeof claims.sid !== "string" || !(await refreshTokens.isFamilyActive(claims.sid)))) {
        throw invalidToken();
      }
      const user = await ctx().users.getById(claims.sub);
      if (user === null) throw invalidToken();
      return typeof claims.sid === "string" ? { user, sessionId: claims.sid } : { user };
    },

    async revoke(c) {
      // The refresh cookie and the bearer token usually name the same family: revoke (and
      // announce) each family once.
      const families = new Set<string>();
      const fromCookie = getCookie(c, cookieName);
      if (fromCookie !== undefined) {
        const family = await refreshTokens.familyOf(fromCookie);
        if (family !== null) families.add(family);
        clearCredentialCookie(c, cookieName, cookie, cookiePath(c));
      }
      const bearer = bearerToken(c);
      if (bearer !== undefined) {
        const claims = await verifyAccessToken(bearer).catch(() => null);
        if (typeof claims?.sid === "string") families.add(claims.sid);
      }
      for (const family of families) await refreshTokens.revokeFamily(family);
    },

    async revokeAll(userId) {
      await refreshTokens.revokeUser(userId);
    },

    mount(router: Hono<CovaraEnv>) {
      router.post("/refresh", refresh);
    },
  };
}
