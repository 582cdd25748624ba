/**
 * Translation between the KV interface's values and what Redis reads and answers: TTLs, sorted-set
 * scores and bounds, WITHSCORES replies, SCAN patterns.
 */
import type { SortedSetEntry } from "../kernel/kv";

/** A TTL as the whole milliseconds PX/PEXPIRE accept; a fraction of a ms rounds up, not to 0. */
export function toPx(ttlMs: number): number {
  if (!Number.isFinite(ttlMs)) throw new Error(`TTL must be a finite number of ms, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}

/** A score or bound as Redis reads it; NaN, which Redis would refuse less clearly, throws here. */
export function formatScore(score: number): string {
  if (Number.isNaN(score)) throw new Error("Sorted set scores and bounds must be numbers, got NaN");
  if (score === Infinity) return "+inf";
  if (score === -Infinity) return "-inf";
  // The shortest round-trip form, so Redis stores exactly this double.
  return String(score);
}

/** A score as Redis answers it (a string over RESP2, a number over RESP3). */
export function parseScore(text: string | number): number {
  if (typeof text === "number") return text;
  if (text === "inf" || text === "+inf") return Infinity;
  if (text === "-inf") return -Infinity;
  return Number(text);
}

/** WITHSCORES replies: `[[member, score], ...]` over RESP3, flat `[member, score, ...]` over RESP2. */
export function parseEntries(reply: unknown): SortedSetEntry[] {
  const items = (Array.isArray(reply) ? reply : []) as (string | number | [string, string | number])[];
  const pairs = Array.isArray(items[0])
    ? (items as [string, string | number][])
    : Array.from(
        { length: items.length >> 1 },
        (_, i) => [items[2 * i], items[2 * i + 1]] as [string, string | number],
      );
  return pairs.map(([member, score]) => ({ member: String(member), score: parseScore(score) }));
}

/** Escapes SCAN MATCH's glob characters so a prefix matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
