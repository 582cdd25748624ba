/**
 * The app-wide KV: registered once at start-up (`setGlobalKV(await createRedisKV(...))`), picked
 * up by every subsystem that keeps state and was not handed a KV of its own (the OIDC provider's
 * stores and rate limits, for one). Nothing registered means each falls back to memory.
 */
import type { KV } from "./kv";

let globalKV: KV | undefined;

/** Registers the app-wide KV; `undefined` unregisters it. */
export function setGlobalKV(kv: KV | undefined): void {
  globalKV = kv;
}

/** The app-wide KV, if one was registered. */
export function getGlobalKV(): KV | undefined {
  return globalKV;
}
