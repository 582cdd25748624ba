/**
 * The kernel KV's data operations over a SQLite-backed Durable Object's storage. Every method is
 * synchronous: a Durable Object runs one event at a time and `sql.exec` never yields, so each
 * method is atomic without locks, and the data survives eviction and restarts.
 *
 * Tables: `kv_entries` (one row per key: its kind, string value and expiry) and `kv_members`
 * (sorted-set members of a `zset` entry). Expired rows vanish on access; `sweepExpired` (run from
 * the object's alarm) removes the ones nobody reads again.
 */
import type { IncrBounds, KVSetOptions, RangeOptions, SortedSetEntry } from "../kernel/kv";
import type { SqlStorage, SqlValue } from "./cloudflare-types";

const STRING = "string";
const ZSET = "zset";
const INTEGER = /^-?\d+$/;
/** Expired keys one sweep deletes at most. */
const SWEEP_BATCH = 1000;

const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS kv_entries (key TEXT PRIMARY KEY, kind TEXT NOT NULL, value TEXT, expires_at INTEGER)",
  "CREATE INDEX IF NOT EXISTS kv_entries_expiry ON kv_entries (expires_at) WHERE expires_at IS NOT NULL",
  "CREATE TABLE IF NOT EXISTS kv_members (key TEXT NOT NULL, member TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (key, member))",
  "CREATE INDEX IF NOT EXISTS kv_members_by_score ON kv_members (key, score, member)",
];

interface EntryRow {
  kind: string;
  value: string | null;
  expiresAt: number | null;
}

/** The KV's data half (everything but pub/sub) on one Durable Object's SQLite storage. */
export class SqlKVStore {
  constructor(private readonly sql: SqlStorage) {
    for (const statement of SCHEMA) sql.exec(statement);
  }

  get(key: string): string | null {
    return this.readString(key)?.value ?? null;
  }

  set(key: string, value: string, options: KVSetOptions = {}): boolean {
    if (options.ifNotExists && this.read(key) !== undefined) return false;
    // A sorted set under the key is replaced whole, as Redis SET replaces any type.
    this.removeMembers(key);
    this.writeString(key, value, expiryOf(options.ttlMs));
    return true;
  }

  delete(key: string): boolean {
    if (this.read(key) === undefined) return false;
    this.remove(key);
    return true;
  }

  has(key: string): boolean {
    return this.read(key) !== undefined;
  }

  incr(key: string, by = 1, ttlMs?: number): number {
    if (!Number.isSafeInteger(by)) throw new Error(`incr: the increment must be an integer, got ${by}`);
    const entry = this.readString(key);
    const next = (entry === undefined ? 0 : parseInteger(key, entry.value)) + by;
    if (!Number.isSafeInteger(next)) throw new Error(`incr: the value of "${key}" would overflow`);
    // The TTL starts a window only once; later increments must not extend it.
    const expiresAt = entry?.expiresAt ?? expiryOf(ttlMs);
    this.writeString(key, String(next), expiresAt);
    return next;
  }

  incrBounded(key: string, by: number, bounds: IncrBounds): number | null {
    if (!Number.isSafeInteger(by)) throw new Error(`incrBounded: the increment must be an integer, got ${by}`);
    const entry = this.readString(key);
    const next = (entry === undefined ? 0 : parseInteger(key, entry.value)) + by;
    if (next < (bounds.min ?? -Infinity) || next > (bounds.max ?? Infinity)) return null;
    if (!Number.isSafeInteger(next)) throw new Error(`incr: the value of "${key}" would overflow`);
    this.writeString(key, String(next), entry?.expiresAt ?? null);
    return next;
  }

  expire(key: string, ttlMs: number | null): boolean {
    if (this.read(key) === undefined) return false;
    if (ttlMs !== null && ttlMs <= 0) this.remove(key);
    else this.sql.exec("UPDATE kv_entries SET expires_at = ? WHERE key = ?", expiryOf(ttlMs), key);
    return true;
  }

  ttl(key: string): number | null {
    const entry = this.read(key);
    if (entry === undefined) return -1;
    return entry.expiresAt === null ? null : Math.max(0, entry.expiresAt - Date.now());
  }

  keys(prefix: string): string[] {
    // A range scan on the primary key: every key that starts with `prefix` sorts within it.
    const rows = this.sql
      .exec(
        "SELECT key FROM kv_entries WHERE key >= ? AND substr(key, 1, ?) = ? AND (expires_at IS NULL OR expires_at > ?)",
        prefix,
        prefix.length,
        prefix,
        Date.now(),
      )
      .toArray();
    return rows.map((row) => String(row.key));
  }

  zadd(key: string, member: string, score: number): void {
    if (Number.isNaN(score)) throw new Error("Sorted set score must be a number, got NaN");
    if (this.readZSet(key) === undefined) {
      this.sql.exec(
        "INSERT OR REPLACE INTO kv_entries (key, kind, value, expires_at) VALUES (?, ?, NULL, NULL)",
        key,
        ZSET,
      );
    }
    this.sql.exec("INSERT OR REPLACE INTO kv_members (key, member, score) VALUES (?, ?, ?)", key, member, score);
  }

  zrem(key: string, member: string): boolean {
    if (this.readZSet(key) === undefined) return false;
    const removed = this.sql.exec("DELETE FROM kv_members WHERE key = ? AND member = ?", key, member).rowsWritten > 0;
    this.dropIfEmpty(key);
    return removed;
  }

  zscore(key: string, member: string): number | null {
    if (this.readZSet(key) === undefined) return null;
    const [row] = this.sql.exec("SELECT score FROM kv_members WHERE key = ? AND member = ?", key, member).toArray();
    return row === undefined ? null : Number(row.score);
  }

  zrange(key: string, options: RangeOptions = {}): SortedSetEntry[] {
    if (this.readZSet(key) === undefined) return [];
    const [where, bindings] = scoreBounds(key, options.min, options.max, options.minExclusive === true);
    const order = options.reverse ? "score DESC, member DESC" : "score ASC, member ASC";
    const limit = options.limit === undefined || options.limit < 0 ? -1 : options.limit;
    const rows = this.sql
      .exec(`SELECT member, score FROM kv_members WHERE ${where} ORDER BY ${order} LIMIT ?`, ...bindings, limit)
      .toArray();
    return rows.map((row) => ({ member: String(row.member), score: Number(row.score) }));
  }

  zremRangeByScore(key: string, min: number, max: number): number {
    if (this.readZSet(key) === undefined) return 0;
    const [where, bindings] = scoreBounds(key, min, max, false);
    const removed = this.sql.exec(`DELETE FROM kv_members WHERE ${where}`, ...bindings).rowsWritten;
    this.dropIfEmpty(key);
    return removed;
  }

  zcard(key: string): number {
    if (this.readZSet(key) === undefined) return 0;
    const [row] = this.sql.exec("SELECT count(*) AS n FROM kv_members WHERE key = ?", key).toArray();
    return Number(row?.n ?? 0);
  }

  /**
   * Deletes up to `limit` expired keys (one alarm's CPU time stays bounded); returns when the
   * next sweep is due: `now` when expired keys remain, the earliest pending expiry, or null.
   */
  sweepExpired(now = Date.now(), limit = SWEEP_BATCH): number | null {
    const expired = this.sql
      .exec("SELECT key FROM kv_entries WHERE expires_at <= ? ORDER BY expires_at LIMIT ?", now, limit + 1)
      .toArray();
    for (const row of expired.slice(0, limit)) this.remove(String(row.key));
    if (expired.length > limit) return now;
    const [next] = this.sql.exec("SELECT min(expires_at) AS at FROM kv_entries WHERE expires_at IS NOT NULL").toArray();
    return next?.at === null || next?.at === undefined ? null : Number(next.at);
  }

  /** Empties the store (a test or an operator wiping state). */
  clear(): void {
    this.sql.exec("DELETE FROM kv_members");
    this.sql.exec("DELETE FROM kv_entries");
  }

  /** The live entry under `key`, dropping it first when it has expired. */
  private read(key: string): EntryRow | undefined {
    const [row] = this.sql.exec("SELECT kind, value, expires_at FROM kv_entries WHERE key = ?", key).toArray();
    if (row === undefined) return undefined;
    const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
    if (expiresAt !== null && expiresAt <= Date.now()) {
      this.remove(key);
      return undefined;
    }
    return { kind: String(row.kind), value: row.value === null ? null : String(row.value), expiresAt };
  }

  private readString(key: string): (EntryRow & { value: string }) | undefined {
    const entry = this.read(key);
    if (entry === undefined) return undefined;
    if (entry.kind !== STRING || entry.value === null) {
      throw new Error(`WRONGTYPE: key "${key}" holds a sorted set, not a string`);
    }
    return { ...entry, value: entry.value };
  }

  private readZSet(key: string): EntryRow | undefined {
    const entry = this.read(key);
    if (entry !== undefined && entry.kind !== ZSET)
      throw new Error(`WRONGTYPE: key "${key}" holds a string, not a sorted set`);
    return entry;
  }

  private writeString(key: string, value: string, expiresAt: number | null): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO kv_entries (key, kind, value, expires_at) VALUES (?, ?, ?, ?)",
      key,
      STRING,
      value,
      expiresAt,
    );
  }

  private remove(key: string): void {
    this.removeMembers(key);
    this.sql.exec("DELETE FROM kv_entries WHERE key = ?", key);
  }

  private removeMembers(key: string): void {
    this.sql.exec("DELETE FROM kv_members WHERE key = ?", key);
  }

  /** Like Redis, a sorted set emptied of members stops existing. */
  private dropIfEmpty(key: string): void {
    const [row] = this.sql.exec("SELECT 1 AS one FROM kv_members WHERE key = ? LIMIT 1", key).toArray();
    if (row === undefined) this.sql.exec("DELETE FROM kv_entries WHERE key = ?", key);
  }
}

/** The absolute expiry of a TTL, or null for none. */
function expiryOf(ttlMs: number | null | undefined): number | null {
  if (ttlMs === null || ttlMs === undefined) return null;
  if (!Number.isFinite(ttlMs)) throw new Error(`TTL must be a finite number of ms, got ${ttlMs}`);
  return Date.now() + ttlMs;
}

/** A WHERE clause on one set's scores; infinite bounds are left out (SQLite binds only finite reals). */
function scoreBounds(key: string, min = -Infinity, max = Infinity, minExclusive: boolean): [string, SqlValue[]] {
  if (Number.isNaN(min) || Number.isNaN(max)) throw new Error("Sorted set range bounds must be numbers");
  const clauses = ["key = ?"];
  const bindings: SqlValue[] = [key];
  if (min !== -Infinity) {
    clauses.push(minExclusive ? "score > ?" : "score >= ?");
    bindings.push(min);
  }
  if (max !== Infinity) {
    clauses.push("score <= ?");
    bindings.push(max);
  }
  return [clauses.join(" AND "), bindings];
}

function parseInteger(key: string, value: string): number {
  const parsed = INTEGER.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed)) {
    throw new Error(`incr: the value of "${key}" is not an integer (${JSON.stringify(value.slice(0, 40))})`);
  }
  return parsed;
}
