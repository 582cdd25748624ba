/**
 * The ids a stream's client holds. Openings that share a snapshot also share its id set: each
 * stream starts from that read-only set and records only how it has diverged since (ids added,
 * ids removed), so a reconnect storm neither builds nor keeps one copy of the set per stream.
 *
 * Invariants: `removed` ⊆ `base`, and `added` ∩ `base` = ∅; so the ids held are
 * (base − removed) ∪ added, and the size adds up without overlap.
 */
const NONE: ReadonlySet<string> = new Set();

export class KnownIds {
  private base: ReadonlySet<string> = NONE;
  private added: Set<string> | undefined;
  private removed: Set<string> | undefined;

  /** Starts from `ids` (never modified here) when nothing is held yet; otherwise adds them. */
  adopt(ids: ReadonlySet<string>): void {
    if (this.size > 0) {
      for (const id of ids) this.add(id);
      return;
    }
    this.base = ids;
    this.added = undefined;
    this.removed = undefined;
  }

  get size(): number {
    return this.base.size - (this.removed?.size ?? 0) + (this.added?.size ?? 0);
  }

  has(id: string): boolean {
    if (this.added?.has(id)) return true;
    return this.base.has(id) && !this.removed?.has(id);
  }

  add(id: string): void {
    if (this.base.has(id)) this.removed?.delete(id);
    else (this.added ??= new Set()).add(id);
  }

  /** Forgets `id`; true when it was held. */
  delete(id: string): boolean {
    if (this.added?.delete(id)) return true;
    if (!this.base.has(id) || this.removed?.has(id)) return false;
    (this.removed ??= new Set()).add(id);
    return true;
  }

  clear(): void {
    this.base = NONE;
    this.added = undefined;
    this.removed = undefined;
  }
}
