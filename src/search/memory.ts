/**
 * In-memory search: a tokenised inverted index ranked by BM25, for tests and small datasets. It
 * lives in this process only and is rebuilt from the table when the resource first needs it.
 */
import { searchTerms } from "./text";
import type { ExternalSearchIndex, SearchAdapter, SearchDocument, SearchHit, SearchText } from "./types";

// BM25's usual constants: term-frequency saturation and length normalisation.
const K1 = 1.2;
const B = 0.75;

interface Entry {
  /** Term → occurrences in this document. */
  terms: Map<string, number>;
  length: number;
}

/** Orders ids numerically when both are integers, else as text, so ties rank stably. */
function compareIds(a: string, b: string): number {
  const numeric = /^-?\d+$/;
  if (numeric.test(a) && numeric.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An inverted index with BM25 ranking; every term of a query must match. */
export class MemorySearchIndex implements ExternalSearchIndex {
  readonly location = "external";
  readonly persistent = false;
  private readonly documents = new Map<string, Entry>();
  private readonly postings = new Map<string, Set<string>>();
  private totalLength = 0;

  async setup(): Promise<void> {}

  async upsert(documents: readonly SearchDocument[]): Promise<void> {
    for (const document of documents) {
      this.delete(document.id);
      const terms = new Map<string, number>();
      let length = 0;
      for (const text of Object.values(document.fields)) {
        for (const term of searchTerms(text)) {
          terms.set(term, (terms.get(term) ?? 0) + 1);
          length++;
        }
      }
      this.documents.set(document.id, { terms, length });
      this.totalLength += length;
      for (const term of terms.keys()) {
        let ids = this.postings.get(term);
        if (!ids) this.postings.set(term, (ids = new Set()));
        ids.add(document.id);
      }
    }
  }

  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.delete(id);
  }

  async search(request: SearchText & { from: number; size: number }): Promise<SearchHit[]> {
    const terms = [...new Set(request.terms)];
    const lists: Set<string>[] = [];
    for (const term of terms) {
      const ids = this.postings.get(term);
      if (!ids) return [];
      lists.push(ids);
    }
    if (lists.length === 0) return [];
    lists.sort((a, b) => a.size - b.size);
    const count = this.documents.size;
    const averageLength = this.totalLength / Math.max(count, 1) || 1;
    const hits: SearchHit[] = [];
    for (const id of lists[0]!) {
      if (!lists.every((ids) => ids.has(id))) continue;
      const entry = this.documents.get(id)!;
      let score = 0;
      for (const term of terms) {
        const frequency = entry.terms.get(term)!;
        const holders = this.postings.get(term)!.size;
        const idf = Math.log(1 + (count - holders + 0.5) / (holders + 0.5));
        score += (idf * frequency * (K1 + 1)) / (frequency + K1 * (1 - B + (B * entry.length) / averageLength));
      }
      hits.push({ id, score });
    }
    hits.sort((a, b) => b.score - a.score || compareIds(a.id, b.id));
    return hits.slice(request.from, request.from + request.size);
  }

  /** Documents held (for tests and diagnostics). */
  get size(): number {
    return this.documents.size;
  }

  private delete(id: string): void {
    const entry = this.documents.get(id);
    if (!entry) return;
    this.documents.delete(id);
    this.totalLength -= entry.length;
    for (const term of entry.terms.keys()) {
      const ids = this.postings.get(term)!;
      ids.delete(id);
      if (ids.size === 0) this.postings.delete(term);
    }
  }
}

/** An in-memory index per resource: `search: { index: createMemorySearch(), fields: [...] }`. */
export function createMemorySearch(): SearchAdapter {
  return { name: "memory", bind: () => new MemorySearchIndex() };
}
