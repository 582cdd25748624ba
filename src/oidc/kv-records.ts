/** JSON records in the provider's KV: every store reads and writes through these two. */
import type { KV } from "../kernel/kv";

/** The record at `key`, or null when it is missing or unreadable. */
export async function readRecord<T>(kv: KV, key: string): Promise<T | null> {
  const value = await kv.get(key);
  if (value === null) return null;
  try {
    return JSON.parse(value) as T;
  } catch {
    return null;
  }
}

/** Stores `record` at `key` for `ttlMs` (at least 1 ms, so a past expiry never means "forever"). */
export async function writeRecord(kv: KV, key: string, record: unknown, ttlMs: number): Promise<void> {
  await kv.set(key, JSON.stringify(record), { ttlMs: Math.max(1, Math.ceil(ttlMs)) });
}
