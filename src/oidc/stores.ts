/**
 * Which KV the provider's stores live in: `stores.type: "memory"` forces this process's memory;
 * otherwise the explicit `kv`, else the app-wide KV (`setGlobalKV`), else memory. With a shared
 * KV, clients, codes, tokens, consents, interactions and sessions survive restarts and are seen
 * by every instance; each record's TTL follows its own expiry.
 */
import { getGlobalKV } from "../kernel/global-kv";
import type { KV } from "../kernel/kv";
import { createMemoryKV } from "../kv/memory";
import type { OIDCProviderOptions } from "./types";

export function resolveStoreKV(options: Pick<OIDCProviderOptions, "kv" | "stores">): KV {
  if (options.stores?.type === "memory") return createMemoryKV();
  return options.kv ?? getGlobalKV() ?? createMemoryKV();
}
