/**
 * The auth data layer — passwords, password policy, session / verification-token / API-key stores,
 * the API-key service — re-exported by name for `covara/auth`'s index. The internal tables and
 * their migration live in `covara/db` (their old `covara/auth` names are in deprecated.ts).
 */
export {
  hashPassword,
  verifyPassword,
  verifyPasswordOrDecoy,
  needsRehash,
  readHashParams,
  DEFAULT_SCRYPT_PARAMS,
} from "./passwords";
export type { PasswordHashOptions, ScryptParams } from "./passwords";
export { passwordPolicy, passwordPolicyProblem } from "./password-policy";
export type {
  PasswordContext,
  PasswordPolicy,
  PasswordPolicyFailure,
  PasswordPolicyOptions,
  PasswordPolicyResult,
  PasswordRule,
} from "./password-policy";
export { createMemorySessionStore } from "./stores/memory-session-store";
export { createKVSessionStore, createRedisSessionStore } from "./stores/kv-session-store";
export type { KVSessionStoreOptions } from "./stores/kv-session-store";
export { createDrizzleSessionStore } from "./stores/drizzle-session-store";
export type { DrizzleSessionStore, DrizzleSessionStoreOptions } from "./stores/drizzle-session-store";
export { createMemoryVerificationTokenStore } from "./stores/memory-verification-token-store";
export { createKVVerificationTokenStore } from "./stores/kv-verification-token-store";
export type { KVVerificationTokenStoreOptions } from "./stores/kv-verification-token-store";
export { createDrizzleVerificationTokenStore } from "./stores/drizzle-verification-token-store";
export type {
  DrizzleVerificationTokenStore,
  DrizzleVerificationTokenStoreOptions,
} from "./stores/drizzle-verification-token-store";
export { createMemoryApiKeyStore } from "./stores/memory-api-key-store";
export { createKVApiKeyStore } from "./stores/kv-api-key-store";
export type { KVApiKeyStoreOptions } from "./stores/kv-api-key-store";
export { createDrizzleApiKeyStore } from "./stores/drizzle-api-key-store";
export type { DrizzleApiKeyStoreOptions } from "./stores/drizzle-api-key-store";
export { createApiKeyService, createApiKey, verifyApiKey, rotateApiKey, revokeApiKey } from "./api-keys";
export type {
  ApiKeyFailureReason,
  ApiKeyService,
  ApiKeyServiceOptions,
  ApiKeyVerification,
  CreateApiKeyInput,
  CreatedApiKey,
  PublicApiKey,
} from "./api-keys";
