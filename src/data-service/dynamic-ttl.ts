/**
 * Dynamic TTL: a key's TTL follows how often it changes. Each invalidation updates a moving
 * average of the interval between changes; a key is then cached for half that interval, within
 * the configured bounds, so a row rewritten every second is not held for minutes and a row that
 * never changes stays cached for the maximum.
 */
export class DynamicTtl {
  private readonly changes = new Map<string, { last: number; interval: number | null }>();

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly capacity: number,
  ) {}

  /** Records a change of `key` at `now`. */
  changed(key: string, now = Date.now()): void {
    const seen = this.changes.get(key);
    if (seen) this.changes.delete(key);
    else if (this.changes.size >= this.capacity) this.changes.delete(this.changes.keys().next().value!);
    const gap = seen ? now - seen.last : null;
    const interval = gap === null ? null : seen!.interval === null ? gap : (seen!.interval + gap) / 2;
    this.changes.set(key, { last: now, interval });
  }

  /** How long a value of `key` may be served from now. */
  ttlOf(key: string): number {
    const interval = this.changes.get(key)?.interval;
    if (interval === undefined || interval === null) return this.maxMs;
    return Math.min(this.maxMs, Math.max(this.minMs, interval / 2));
  }
}
