/** covara/auth — useAuth, session strategies, JWT, account security, passwords, stores and API keys. */
export { useAuth } from "./use-auth";
export { AUTH_PROBLEM_TYPES } from "./problems";
export type { AuthSecurityOptions, UseAuthOptions, UseAuthResult } from "./use-auth";
export type { LoginOptions, SignupOptions } from "./credentials";
export { getAuthSession } from "./auth-middleware";
export { defaultUserView } from "./user-view";

// Session strategies.
export { cookieSession } from "./strategies/cookie-session";
export type { CookieSessionOptions, CookieSessionStrategy } from "./strategies/cookie-session";
export { jwtSession } from "./strategies/jwt-session";
export type {
  JwtSessionOptions as JWTSessionOptions,
  JwtSessionStrategy as JWTSessionStrategy,
} from "./strategies/jwt-session";
export type { SessionCookieOptions } from "./strategies/session-cookie";
export { invalidateUserSessions } from "./strategies/session-invalidation";

// Legacy adapters, mapped onto strategies.
export { strategyFromAdapter } from "./adapters/legacy-adapter";
export type { AuthAdapter } from "./adapters/legacy-adapter";
export { createJWTAdapter, externalSubjectId } from "./adapters/jwt-adapter";
export type { JWTAdapterOptions, TrustedIssuer } from "./adapters/jwt-adapter";
export { createAuthJsAdapter } from "./adapters/authjs-adapter";
export type { AuthJsAdapterOptions, AuthJsSession, AuthJsSessionAdapter, AuthJsUser } from "./adapters/authjs-adapter";
export { createPassportAdapter } from "./adapters/passport-adapter";
export type { PassportAdapterOptions } from "./adapters/passport-adapter";

// JWT (public names spell the acronyms JWT, JWK, JWKS in capitals; the old spellings are in deprecated.ts).
export { signJwt as signJWT } from "./jwt/sign";
export type { JwtClaims as JWTClaims, SignJwtOptions as SignJWTOptions } from "./jwt/sign";
export {
  verifyJwt as verifyJWT,
  JwtVerificationError as JWTVerificationError,
  DEFAULT_CLOCK_SKEW_SECONDS,
} from "./jwt/verify";
export type {
  JwtFailureReason as JWTFailureReason,
  JwtHeader as JWTHeader,
  JwtKeySource as JWTKeySource,
  VerifiedJwt as VerifiedJWT,
  VerifyJwtOptions as VerifyJWTOptions,
} from "./jwt/verify";
export {
  importJwtKey as importJWTKey,
  generateJwtKey as generateJWTKey,
  exportPublicJwk as exportPublicJWK,
} from "./jwt/keys";
export type { JwtKey as JWTKey, JwtKeyInput as JWTKeyInput } from "./jwt/keys";
export type { JwtAlgorithm as JWTAlgorithm } from "../kernel/crypto/algorithms";
export { createRemoteJwks as createRemoteJWKS } from "./jwt/jwks";
export type { RemoteJwks as RemoteJWKS, RemoteJwksOptions as RemoteJWKSOptions } from "./jwt/jwks";

// Account security.
export { createThrottle, DEFAULT_THROTTLE_LIMITS } from "../kernel/throttle";
export type { Throttle, ThrottleLimit, ThrottleLimits, ThrottleOptions } from "../kernel/throttle";
export { createClientIpResolver } from "./security/client-ip";
export type { ClientIpOptions } from "./security/client-ip";
export { normalizeIp } from "./security/ip-address";
export { csrfProtection } from "./security/csrf";
export type { CsrfMode, CsrfOptions } from "./security/csrf";

// The data layer (passwords, password policy, stores, API keys, internal tables), listed by name in data.ts.
export * from "./data";
// Opt-in features (MFA, passkeys, magic links, email verification, password reset, social login), listed by name in features/index.ts.
export * from "./features";

// Names whose home is another entry point, kept one release as deprecated aliases.
export * from "./deprecated";

// The one email address rule every auth and OIDC path applies.
export { emailAddressField, isEmailAddress, MAX_EMAIL_LENGTH } from "./email-address";

// Contracts.
export type {
  ApiKeyRecord,
  ApiKeyStore,
  AuthEmail,
  AuthenticatedRequest,
  AuthFeature,
  AuthKit,
  AuthUser,
  SessionData,
  SessionStore,
  SessionStrategy,
  StrategyContext,
  UserDirectory,
  VerificationPurpose,
  VerificationTokenStore,
} from "./types";
