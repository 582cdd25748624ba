/** TOTP multi-factor authentication with backup codes: the `mfa()` feature and its pieces. */
export { mfa } from "./mfa-feature";
export type { MfaOptions } from "./mfa-feature";
export { createKVMfaStore } from "./mfa-store";
export type { MfaState, MfaStore } from "./mfa-store";
export { generateTotpSecret, hotp, otpauthUri, totp, totpStep, verifyTotp } from "./totp";
export type { TotpAlgorithm, TotpParameters, TotpVerifyOptions } from "./totp";
export { base32Decode, base32Encode } from "./base32";
export { generateBackupCodes, hashBackupCode, normalizeBackupCode } from "./backup-codes";
