/**
 * Auth's port for the layers above it (oidc): building blocks they share with auth that are not
 * public API, so they import this file instead of reaching into auth's folders. Listed in the
 * layers test's PORTS; nothing here is exported by `covara/auth`.
 */
export { bearerFromHeader, invalidToken } from "./jwt/bearer";
export { runStrategy, toPassportRequest } from "./features/social/passport-shim";
export type { StrategyOutcome } from "./features/social/passport-shim";
