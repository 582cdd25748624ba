/**
 * The opt-in auth features — TOTP MFA, passkeys, magic links, email verification, password reset
 * and social login — re-exported by name for `covara/auth`'s index.
 */
export {
  mfa,
  createKVMfaStore,
  generateTotpSecret,
  hotp,
  totp,
  totpStep,
  verifyTotp,
  otpauthUri,
  base32Decode,
  base32Encode,
  generateBackupCodes,
  hashBackupCode,
  normalizeBackupCode,
} from "./mfa";
export type { MfaOptions, MfaState, MfaStore, TotpAlgorithm, TotpParameters, TotpVerifyOptions } from "./mfa";
export { passkeys, createKVPasskeyStore, createMemoryPasskeyStore } from "./passkeys";
export type { PasskeysOptions, PasskeyCredential, PasskeyStore } from "./passkeys";
export { magicLinks } from "./magic-link";
export type { MagicLinkOptions } from "./magic-link";
export { emailVerification } from "./email-verification";
export type { EmailVerificationOptions } from "./email-verification";
export { passwordReset } from "./password-reset";
export type { PasswordResetOptions } from "./password-reset";
export type { LinkEmailBuilder, LinkEmailContent, LinkEmailInput } from "./shared/link-email";
export { fromPassport, createKVSocialAccountStore } from "./social";
export type {
  FromPassportOptions,
  PassportActions,
  PassportProfile,
  PassportRequest,
  PassportStrategyLike,
  SocialAccountStore,
  SocialLoginContext,
} from "./social";
