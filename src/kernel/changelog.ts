/**
 * The changelog: every mutation gets a sequence number that rises across all processes sharing a
 * KV, is kept in a sorted set scored by that number, and is published for live subscribers.
 * Readers catch up with `since(seq)`; `truncated` tells them when retention has eaten entries they
 * never saw and they must refetch.
 *
 * KV layout under `<namespace>`: `:changelog:seq` (the counter), `:changelog:entries` (sorted set
 * of JSON entries scored by seq), `:changelog:trimmed` (the trim watermark, see `markTrimmed`) and
 * the pub/sub channel `:changelog`. Entries travel as JSON, so
 * `data` and `previous` come back as their JSON form (a Date becomes a string).
 */
import type { KV } from "./kv";
import { defaultLogger } from "./context";

export type ChangelogOp = "create" | "update" | "delete";

export interface ChangelogEntry {
  /** Strictly increasing across every writer sharing the KV. */
  seq: number;
  /** When the entry was appended, epoch ms. */
  at: number;
  resource: string;
  op: ChangelogOp;
  objectId: string;
  data?: unknown;
  previous?: unknown;
  userId?: string | null;
}

/** What a writer supplies; the log stamps `seq` and `at`. */
export type ChangelogInput = Omit<ChangelogEntry, "seq" | "at">;

export interface ChangelogRetention {
  /** Keep at most this many newest entries (default 10,000). */
  maxEntries?: number;
  /** Drop entries older than this many ms (default: no age limit). */
  maxAgeMs?: number;
  /**
   * Trim on every Nth append (by seq, so across processes exactly one append in N trims).
   * Default: 1% of maxEntries, between 1 and 100. The log may overshoot maxEntries by this much.
   */
  trimEvery?: number;
}

export interface ChangelogOptions {
  /** Prefix of the KV keys and channel (default "covara"). */
  namespace?: string;
  retention?: ChangelogRetention;
  /**
   * How long `since` waits for a missing seq before skipping it, in ms (default 5000). A writer
   * takes its seq before storing its entry, so a brief hole means "still being written"; only a
   * hole older than this is taken as a writer that died between the two steps.
   */
  gapGraceMs?: number;
}

export interface ChangelogSinceOptions {
  /** Only entries of this resource. */
  resource?: string;
  /** At most this many entries (default: all). */
  limit?: number;
}

export interface ChangelogPage {
  /** Entries with seq greater than the one asked for, ascending. */
  entries: ChangelogEntry[];
  /** True when entries after the asked seq were already trimmed: the caller must refetch. */
  truncated: boolean;
  /** The seq to pass next time; it moves past entries the resource filter skipped. */
  cursor: number;
}

export interface Changelog {
  /** Stores a mutation under the next seq and publishes it; resolves with the stored entry. */
  append(entry: ChangelogInput): Promise<ChangelogEntry>;
  /** Entries after `seq`, ascending, never skipping over one that is still being written. */
  since(seq: number, options?: ChangelogSinceOptions): Promise<ChangelogPage>;
  /** The highest seq handed out so far (0 for an empty log). */
  latestSeq(): Promise<number>;
  /** The lowest seq still retained, or null when nothing is. */
  oldestSeq(): Promise<number | null>;
  /** Applies retention now; returns how many entries were removed. */
  trim(): Promise<number>;
  /** Calls `handler` for every entry appended from now on, in publish order. */
  subscribe(handler: (entry: ChangelogEntry) => void): Promise<() => Promise<void>>;
}

const DEFAULTS = {
  namespace: "covara",
  maxEntries: 10_000,
  gapGraceMs: 5_000,
} as const;

/** How many entries one KV read fetches while scanning. */
const PAGE_SIZE = 500;
const OPS: ReadonlySet<string> = new Set<ChangelogOp>(["create", "update", "delete"]);

/** Creates a changelog stored in `kv`. */
export function createChangelog(kv: KV, options: ChangelogOptions = {}): Changelog {
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const maxEntries = options.retention?.maxEntries ?? DEFAULTS.maxEntries;
  const maxAgeMs = options.retention?.maxAgeMs;
  const trimEvery = options.retention?.trimEvery ?? Math.min(100, Math.max(1, Math.ceil(maxEntries / 100)));
  const gapGraceMs = options.gapGraceMs ?? DEFAULTS.gapGraceMs;
  if (namespace === "") throw new Error("createChangelog: namespace must not be empty");
  assertPositiveInteger("retention.maxEntries", maxEntries);
  assertPositiveInteger("retention.trimEvery", trimEvery);
  if (maxAgeMs !== undefined && !(maxAgeMs > 0)) throw new Error("createChangelog: retention.maxAgeMs must be > 0");

  const seqKey = `${namespace}:changelog:seq`;
  const entriesKey = `${namespace}:changelog:entries`;
  const trimmedKey = `${namespace}:changelog:trimmed`;
  const channel = `${namespace}:changelog`;
  let lastAgeTrimAt = 0;

  async function latestSeq(): Promise<number> {
    const value = await kv.get(seqKey);
    return value === null ? 0 : Number(value);
  }

  async function oldestSeq(): Promise<number | null> {
    const [head] = await kv.zrange(entriesKey, { limit: 1 });
    return head === undefined ? null : head.score;
  }

  /**
   * Records that every seq up to `through` is gone, before removing anything: a reader racing the
   * trim then errs towards `truncated` rather than silently missing entries. Each trimmer adds its
   * own mark and clears only marks below it, so the highest mark survives concurrent trimmers
   * without a compare-and-set, and the set stays a handful of members.
   */
  async function markTrimmed(through: number): Promise<void> {
    await kv.zadd(trimmedKey, String(through), through);
    await kv.zremRangeByScore(trimmedKey, -Infinity, through - 1);
  }

  /** The highest seq ever trimmed (0 when nothing was). */
  async function trimmedThrough(): Promise<number> {
    const [mark] = await kv.zrange(trimmedKey, { reverse: true, limit: 1 });
    return mark?.score ?? 0;
  }

  async function removeThrough(through: number): Promise<number> {
    await markTrimmed(through);
    return kv.zremRangeByScore(entriesKey, -Infinity, through);
  }

  async function trimByAge(): Promise<number> {
    if (maxAgeMs === undefined) return 0;
    const cutoff = Date.now() - maxAgeMs;
    lastAgeTrimAt = Date.now();
    let removed = 0;
    for (;;) {
      const page = await kv.zrange(entriesKey, { limit: PAGE_SIZE });
      // Only a prefix goes, so the retained entries stay contiguous in seq.
      let lastOld: number | undefined;
      for (const item of page) {
        const entry = parseEntry(item.member);
        if (entry !== null && entry.at >= cutoff) break;
        lastOld = item.score;
      }
      if (lastOld === undefined) return removed;
      removed += await removeThrough(lastOld);
      if (page.length < PAGE_SIZE || lastOld !== page[page.length - 1]?.score) return removed;
    }
  }

  async function trim(): Promise<number> {
    let removed = 0;
    const cutoff = (await latestSeq()) - maxEntries;
    if (cutoff > 0) removed += await removeThrough(cutoff);
    return removed + (await trimByAge());
  }

  function shouldTrim(seq: number, now: number): boolean {
    if (seq % trimEvery === 0) return true;
    // A quiet log still ages out: trim by age at least ten times per maxAge window.
    return maxAgeMs !== undefined && now - lastAgeTrimAt >= maxAgeMs / 10;
  }

  return {
    latestSeq,
    oldestSeq,
    trim,

    async append(input) {
      validateInput(input);
      const seq = await kv.incr(seqKey);
      const entry: ChangelogEntry = { seq, at: Date.now(), ...pickEntryFields(input) };
      const json = JSON.stringify(entry);
      await kv.zadd(entriesKey, json, seq);
      // Once stored the entry is durable: failing to publish or trim must not make the caller
      // retry (that would log the mutation twice). Readers still find it through `since`.
      try {
        await kv.publish(channel, json);
        if (shouldTrim(seq, entry.at)) await trim();
      } catch (error) {
        defaultLogger().error("covara changelog: entry stored but publish or trim failed", error);
      }
      return entry;
    },

    async since(seq, sinceOptions = {}) {
      if (!Number.isSafeInteger(seq) || seq < 0) {
        throw new Error(`changelog.since: seq must be an integer >= 0, got ${seq}`);
      }
      const limit = sinceOptions.limit ?? Infinity;
      if (!(limit >= 0)) throw new Error(`changelog.since: limit must be >= 0, got ${limit}`);
      const resource = sinceOptions.resource;
      const pageSize = resource === undefined ? Math.max(1, Math.min(PAGE_SIZE, limit)) : PAGE_SIZE;
      let page = await kv.zrange(entriesKey, { min: seq, minExclusive: true, limit: pageSize });
      // Read the marks after the page: a trim racing in between then errs towards `truncated`.
      // Truncation comes from the trim watermark, not the oldest retained entry, because a hole
      // left by an in-flight writer at the head must not look like trimmed entries.
      const latest = await latestSeq();
      // A cursor beyond the latest seq comes from a log that was since reset: refetch as well.
      const truncated = seq < (await trimmedThrough()) || seq > latest;

      const entries: ChangelogEntry[] = [];
      let cursor = seq;
      let expected = truncated ? null : seq + 1;
      const now = Date.now();
      if (limit === 0) return { entries, truncated, cursor };
      for (;;) {
        for (const item of page) {
          const entry = parseEntry(item.member);
          const at = entry?.at ?? 0;
          // A hole is a seq taken by a writer that has not stored its entry yet: stop before it,
          // unless it has stayed open so long that writer must be gone.
          if (expected !== null && item.score > expected && now - at < gapGraceMs) {
            return { entries, truncated, cursor };
          }
          expected = item.score + 1;
          cursor = item.score;
          if (entry !== null && (resource === undefined || entry.resource === resource)) {
            entries.push(entry);
            if (entries.length >= limit) return { entries, truncated, cursor };
          }
        }
        if (page.length < pageSize) return { entries, truncated, cursor };
        page = await kv.zrange(entriesKey, { min: cursor, minExclusive: true, limit: pageSize });
      }
    },

    async subscribe(handler) {
      return kv.subscribe(channel, (message) => {
        const entry = parseEntry(message);
        if (entry !== null) handler(entry);
      });
    },
  };
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`createChangelog: ${name} must be a positive integer, got ${value}`);
  }
}

function validateInput(input: ChangelogInput): void {
  if (typeof input.resource !== "string" || input.resource === "") {
    throw new Error("changelog.append: resource must be a non-empty string");
  }
  if (!OPS.has(input.op))
    throw new Error(`changelog.append: op must be create, update or delete, got ${String(input.op)}`);
  if (typeof input.objectId !== "string") throw new Error("changelog.append: objectId must be a string");
}

/** Copies only the entry's own fields, so stray properties of the caller never reach the log. */
function pickEntryFields(input: ChangelogInput): ChangelogInput {
  const fields: ChangelogInput = { resource: input.resource, op: input.op, objectId: input.objectId };
  if (input.data !== undefined) fields.data = input.data;
  if (input.previous !== undefined) fields.previous = input.previous;
  if (input.userId !== undefined) fields.userId = input.userId;
  return fields;
}

/** Parses a stored or published entry; null for anything that is not one (foreign publishers). */
function parseEntry(json: string): ChangelogEntry | null {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value !== "object" || value === null) return null;
    const entry = value as Partial<ChangelogEntry>;
    if (typeof entry.seq !== "number" || typeof entry.at !== "number" || typeof entry.resource !== "string")
      return null;
    return entry as ChangelogEntry;
  } catch {
    return null;
  }
}
