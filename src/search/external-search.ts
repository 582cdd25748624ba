/**
 * Searching an external index safely: its hits are only ids, so each chunk of hits is re-read from
 * the database under the caller's conditions (scope, liveness, filter). A row the caller may not
 * read, a deleted row, or an id the index still holds after the row is gone is simply skipped — a
 * stale index can never leak a row.
 */
import { and, inArray, type SQL } from "drizzle-orm";
import { idFromText, type SyncContext } from "./sync";
import type { ScoredRow, SearchText } from "./types";

export interface ExternalSearchRequest extends SearchText {
  columns: readonly string[];
  where: SQL | undefined;
  limit: number;
  offset: number;
  /** Most hits to examine before giving up on filling the page. */
  maxCandidates: number;
}

const MIN_CHUNK = 50;

/** The page of readable rows at `offset`, best first: up to `limit` rows. */
export async function searchExternal(ctx: SyncContext, request: ExternalSearchRequest): Promise<ScoredRow[]> {
  const { resource, index } = ctx;
  const { info } = resource;
  const wanted = request.offset + request.limit;
  const columns = [...new Set([...request.columns, info.idKey])];
  const visible: ScoredRow[] = [];
  const seen = new Set<string>();
  const chunk = Math.max(MIN_CHUNK, wanted * 2);
  let from = 0;
  while (visible.length < wanted && from < request.maxCandidates) {
    const size = Math.min(chunk, request.maxCandidates - from);
    const hits = await index.search({ text: request.text, terms: request.terms, from, size });
    from += hits.length;
    // The index may shift between chunks; a hit already examined is not counted twice.
    const fresh = hits.filter((hit) => !seen.has(hit.id) && seen.add(hit.id));
    const keys = fresh.map((hit) => idFromText(resource, hit.id)).filter((id) => id !== undefined);
    if (keys.length > 0) {
      const rows = await resource.selectRows({ columns, where: and(inArray(info.idColumn, keys), request.where) });
      const byId = new Map(rows.map((row) => [String(row[info.idKey]), row]));
      for (const hit of fresh) {
        const row = byId.get(hit.id);
        if (row) visible.push({ row, score: hit.score });
      }
    }
    if (hits.length < size) break;
  }
  return visible.slice(request.offset, wanted);
}
