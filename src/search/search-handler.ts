/**
 * GET /search — full-text search over the rows the caller may read: the read scope, soft delete
 * and the client's filter apply exactly as in GET /, every item is masked like any other response
 * and carries its relevance as `_score`. Index failures are a 503 `search-unavailable`.
 */
import "./problems";
import type { Context } from "hono";
import { mapDatabaseError } from "../kernel/db-errors";
import { ProblemError } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import { toJson } from "../kernel/json";
import type { ResourceHandle } from "../resource/extension";
import type { ResourceSearch } from "./resource-search";
import { encodeSearchCursor, parseSearchQuery } from "./search-query";
import type { DatabaseSearchRequest, ScoredRow } from "./types";

/** A search item: the presented row and its relevance (higher is better). */
export type SearchItem<TRow> = TRow & { _score: number };

function notConfigured(resource: string): ProblemError {
  return new ProblemError("not-found", {
    detail: `Search is not configured for ${resource}`,
    extensions: { resource },
  });
}

/** Index and database failures become a 503 without detail; user mistakes keep their problem. */
function unavailable(error: unknown, search: ResourceSearch): ProblemError {
  const mapped = mapDatabaseError(error, search.info.name);
  if (mapped instanceof ProblemError && mapped.status < 500) return mapped;
  return new ProblemError("search-unavailable", {
    detail: `The ${search.adapter} search index of ${search.info.name} is unavailable; try again later`,
    extensions: { resource: search.info.name },
    headers: { "retry-after": "5" },
    cause: error,
  });
}

async function findRows(search: ResourceSearch, request: DatabaseSearchRequest): Promise<ScoredRow[]> {
  try {
    return await search.find(request);
  } catch (error) {
    throw unavailable(error, search);
  }
}

/** GET /search?q= — a page of matching rows the user may read, best first. */
export async function searchRows(
  resource: ResourceHandle,
  search: ResourceSearch | undefined,
  c: Context<CovaraEnv>,
): Promise<Response> {
  if (!search) throw notConfigured(resource.name);
  const access = await resource.readAccess(c);
  const query = parseSearchQuery(c.req.query(), resource, search);
  const ctx = resource.hookContext(c, "search", access.user);
  await resource.beforeList(ctx);

  const limit = Math.min(query.limit, search.maxResults - query.offset);
  // A query without a single word (only punctuation) matches nothing on every adapter.
  const found =
    query.terms.length === 0
      ? []
      : await findRows(search, {
          text: query.text,
          terms: query.terms,
          columns: [...resource.fetchColumns(query.select)],
          where: resource.readWhere(access, query.filter),
          limit: limit + 1,
          offset: query.offset,
        });
  const hasMore = found.length > limit && query.offset + limit < search.maxResults;
  const page = found.slice(0, limit);
  const presented = await resource.present(
    page.map((hit) => hit.row),
    ctx,
    query.select,
  );
  const items = await resource.afterList(
    ctx,
    presented.map((row, i) => ({ ...row, _score: page[i]!.score })),
  );
  const body = {
    items,
    nextCursor: hasMore ? encodeSearchCursor(query.offset + limit, query.fingerprint) : null,
    hasMore,
  };
  return c.body(toJson(body), 200, { "content-type": "application/json" });
}
