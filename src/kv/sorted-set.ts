/**
 * An in-memory sorted set: members ordered by (score, member) in one array, with a member → score
 * map beside it. Binary-search insertion keeps appends with rising scores (a changelog) at O(log n)
 * plus an amortised O(1) push, and range reads at O(log n + k).
 */
import type { RangeOptions, SortedSetEntry } from "../kernel/kv";

/** Orders two entries by score, then member (code-unit order), as Redis orders ties. */
function compare(aScore: number, aMember: string, b: SortedSetEntry): number {
  if (aScore !== b.score) return aScore < b.score ? -1 : 1;
  if (aMember === b.member) return 0;
  return aMember < b.member ? -1 : 1;
}

/** A sorted set of string members with numeric scores. */
export class SortedSet {
  /** Ascending by (score, member). */
  private readonly entries: SortedSetEntry[] = [];
  private readonly scores = new Map<string, number>();

  get size(): number {
    return this.entries.length;
  }

  /** Adds a member or moves it to a new score. */
  add(member: string, score: number): void {
    if (Number.isNaN(score)) throw new Error("Sorted set score must be a number, got NaN");
    const old = this.scores.get(member);
    if (old === score) return;
    if (old !== undefined) this.removeAt(this.lowerBound(old, member));
    this.scores.set(member, score);
    const entry = { member, score };
    const last = this.entries[this.entries.length - 1];
    // The changelog's hot path: a score above everything is a plain push.
    if (last === undefined || compare(score, member, last) > 0) this.entries.push(entry);
    else this.entries.splice(this.lowerBound(score, member), 0, entry);
  }

  /** Removes a member; false when it was absent. */
  remove(member: string): boolean {
    const score = this.scores.get(member);
    if (score === undefined) return false;
    this.scores.delete(member);
    this.removeAt(this.lowerBound(score, member));
    return true;
  }

  score(member: string): number | null {
    return this.scores.get(member) ?? null;
  }

  /** Entries whose score lies within the bounds, ascending (or descending with `reverse`). */
  range(options: RangeOptions = {}): SortedSetEntry[] {
    const [start, end] = this.bounds(options.min, options.max, options.minExclusive === true);
    const limit = options.limit === undefined || options.limit < 0 ? Infinity : options.limit;
    const count = Math.min(end - start, limit);
    if (count <= 0) return [];
    const slice = options.reverse
      ? this.entries.slice(end - count, end).reverse()
      : this.entries.slice(start, start + count);
    return slice.map((e) => ({ member: e.member, score: e.score }));
  }

  /** Removes every entry with score in [min, max]; returns how many went. */
  removeRangeByScore(min: number, max: number): number {
    const [start, end] = this.bounds(min, max, false);
    if (end <= start) return 0;
    const removed = this.entries.splice(start, end - start);
    for (const e of removed) this.scores.delete(e.member);
    return removed.length;
  }

  /** [start, end) indexes of the entries inside the score bounds. */
  private bounds(min = -Infinity, max = Infinity, minExclusive: boolean): [number, number] {
    if (Number.isNaN(min) || Number.isNaN(max)) throw new Error("Sorted set range bounds must be numbers");
    const start = minExclusive ? this.firstAbove(min) : this.firstAtLeast(min);
    const end = this.firstAbove(max);
    return [start, Math.max(start, end)];
  }

  private firstAtLeast(score: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.score < score) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private firstAbove(score: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.score <= score) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose entry is not less than (score, member). */
  private lowerBound(score: number, member: string): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(score, member, this.entries[mid]!) > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private removeAt(index: number): void {
    // Removing the lowest entry is the trim path; shift() is what engines optimise best there.
    if (index === 0) this.entries.shift();
    else this.entries.splice(index, 1);
  }
}
