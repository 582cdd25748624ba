/**
 * The observability log on a KV: one sorted set per kind, scored by time, each member an entry's
 * JSON (its unique id keeps members distinct). Every process sharing the KV reads the same log.
 * Retention is by age and by count, trimmed every `TRIM_EVERY` appends of a kind, not per append.
 */
import type { KV } from "../kernel/kv";
import { filtersBeyondTime, kindsOf, limitOf, matchesQuery, newestFirst } from "./query";
import type { ObservabilityEntry, ObservabilityKind, ObservabilityLogAdapter, ObservabilityQuery } from "./types";

export interface KVObservabilityAdapterOptions {
  /** @default "covara:obs:" */
  prefix?: string;
  /**
   * Entries kept per kind; older ones are trimmed.
   * @default 10_000
   */
  maxEntriesPerKind?: number;
  /**
   * How long entries are kept.
   * @default 7 days
   */
  retentionMs?: number;
}

const TRIM_EVERY = 256;

function parseEntry(json: string): ObservabilityEntry | undefined {
  try {
    const value: ObservabilityEntry = JSON.parse(json);
    return typeof value === "object" && value !== null && typeof value.kind === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An `ObservabilityLogAdapter` over `kv` (the app's or the global KV by default, see `createObservabilityLog`). */
export function createKVObservabilityAdapter(
  kv: KV,
  options: KVObservabilityAdapterOptions = {},
): ObservabilityLogAdapter {
  const prefix = options.prefix ?? "covara:obs:";
  const maxEntries = Math.max(1, options.maxEntriesPerKind ?? 10_000);
  const retentionMs = options.retentionMs ?? 7 * 24 * 60 * 60 * 1000;
  const sinceTrim = new Map<ObservabilityKind, number>();
  const keyOf = (kind: ObservabilityKind) => `${prefix}${kind}`;

  async function trim(kind: ObservabilityKind, now: number): Promise<void> {
    const key = keyOf(kind);
    await kv.zremRangeByScore(key, -Infinity, now - retentionMs);
    const excess = (await kv.zcard(key)) - maxEntries;
    if (excess <= 0) return;
    for (const oldest of await kv.zrange(key, { limit: excess })) await kv.zrem(key, oldest.member);
  }

  return {
    async append(entry) {
      await kv.zadd(keyOf(entry.kind), JSON.stringify(entry), entry.time);
      const count = (sinceTrim.get(entry.kind) ?? 0) + 1;
      sinceTrim.set(entry.kind, count % TRIM_EVERY);
      if (count >= TRIM_EVERY) await trim(entry.kind, Date.now());
    },
    async query(query: ObservabilityQuery) {
      const limit = limitOf(query);
      // Without filters beyond time the newest `limit` of each kind suffice; with them, scan what is retained.
      const scan = filtersBeyondTime(query) ? maxEntries : limit;
      const found: ObservabilityEntry[] = [];
      for (const kind of kindsOf(query)) {
        const members = await kv.zrange(keyOf(kind), {
          min: query.since,
          max: query.until,
          reverse: true,
          limit: scan,
        });
        for (const { member } of members) {
          const entry = parseEntry(member);
          if (entry !== undefined && matchesQuery(entry, query)) found.push(entry);
        }
      }
      return found.sort(newestFirst).slice(0, limit);
    },
  };
}
