/**
 * The app-wide KV: registered once at start-up (`setGlobalKV(await createRedisKV(...))`), picked
 * up by every subsystem that keeps state and was not handed a KV of its own (the OIDC provider's
 * stores and rate limits, for one). Nothing registered means each falls back to memory.
 *
 * It is the default context's `kv`; an app given `createCovara({ kv })` has its own.
 */
import { contextOf, defaultContext, type ContextSource } from "./context";
import type { KV } from "./kv";

/** Registers the app-wide KV of the default context; `undefined` unregisters it. */
export function setGlobalKV(kv: KV | undefined): void {
  defaultContext().kv = kv;
}

/** The app-wide KV, if one was registered: the given app's, else the default context's. */
export function getGlobalKV(app?: ContextSource): KV | undefined {
  return contextOf(app).kv;
}
