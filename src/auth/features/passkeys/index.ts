/** Passkeys (WebAuthn): the `passkeys()` feature and its credential stores. */
export { passkeys } from "./passkeys-feature";
export type { PasskeysOptions } from "./passkeys-feature";
export { createKVPasskeyStore, createMemoryPasskeyStore } from "./credential-store";
export type { PasskeyCredential, PasskeyStore } from "./credential-store";
