/** Social login through Passport.js OAuth2 strategies: `fromPassport()` and its stores. */
export { fromPassport } from "./from-passport";
export type { FromPassportOptions, SocialLoginContext } from "./from-passport";
export { createKVSocialAccountStore } from "./account-links";
export type { SocialAccountStore } from "./account-links";
export { runStrategy, toPassportRequest } from "./passport-shim";
export type { PassportActions, PassportRequest, PassportStrategyLike, StrategyOutcome } from "./passport-shim";
export type { PassportProfile } from "./resolve-user";
