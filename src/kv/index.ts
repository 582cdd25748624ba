/** covara/kv — KV adapters (memory today; Redis and Durable Objects join `createKV`) over the kernel's KV interface. */
import type { KV } from "../kernel/kv";
import { createMemoryKV, type MemoryKVOptions } from "./memory";

export type { KV, KVMessageHandler, KVSetOptions, RangeOptions, SortedSetEntry } from "../kernel/kv";
export { createMemoryKV };
export type { MemoryKVOptions };

/** Which adapter `createKV` builds, with that adapter's options. */
export type KVConfig = { type: "memory" } & MemoryKVOptions;

/** Builds a KV from a config object, so an app can pick its backend from configuration. */
export async function createKV(options: KVConfig): Promise<KV> {
  switch (options.type) {
    case "memory":
      return createMemoryKV(options);
    default: {
      const type: unknown = (options as { type?: unknown }).type;
      throw new Error(`Unknown KV type ${JSON.stringify(type)}; supported: "memory"`);
    }
  }
}
