/**
 * Which KV the provider's stores live in: `stores.type: "memory"` forces this process's memory;
 * otherwise the explicit `kv`, else the app-wide KV (`setGlobalKV`), else memory. With a shared
 * KV, clients, codes, tokens, consents, interactions and sessions survive restarts and are seen
 * by every instance; each record's TTL follows its own expiry.
 *
 * The global KV is read once, when the provider is created: register it before that.
 */
import { getGlobalKV } from "../kernel/global-kv";
import type { KV } from "../kernel/kv";
import { createMemoryKV } from "../kv";
import type { OIDCProviderOptions } from "./types";

export function resolveStoreKV(options: Pick<OIDCProviderOptions, "kv" | "stores">): KV {
  const type = options.stores?.type;
  if (type !== undefined && type !== "kv" && type !== "memory") {
    throw new TypeError(`covara/oidc: stores.type must be "kv" or "memory", not ${JSON.stringify(type)}`);
  }
  if (type === "memory") return createMemoryKV();
  const shared = options.kv ?? getGlobalKV();
  if (shared) return shared;
  // Asking for persistence and silently getting memory would lose every grant on restart.
  if (type === "kv")
    throw new TypeError(
      'covara/oidc: stores.type "kv" needs the kv option or a global KV (setGlobalKV) registered first',
    );
  return createMemoryKV();
}
