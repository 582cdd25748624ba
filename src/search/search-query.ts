/**
 * The parameters of `GET /search`: `q`, `filter`, `select`, `limit` and `cursor`. Every mistake is a
 * 400 naming the parameter. Pages are rank positions: the cursor is an opaque offset bound to the
 * query it was made for, so it cannot be replayed against another `q` or `filter`.
 */
import { ProblemError, problems } from "../kernel/errors";
import type { ResourceHandle, RsqlNode } from "../resource/extension";
import { shortHash } from "./sql";
import { searchTerms } from "./text";

export interface SearchQuery {
  text: string;
  terms: string[];
  filter: RsqlNode | null;
  select: string[] | null;
  limit: number;
  offset: number;
  /** Binds cursors to this q and filter. */
  fingerprint: string;
}

export interface SearchQueryLimits {
  maxQueryLength: number;
  maxResults: number;
}

// `cursor-invalid` is the resource layer's problem type; search/problems.ts registers it as well.
function invalidCursor(detail: string): ProblemError {
  return new ProblemError("cursor-invalid", { detail, extensions: { parameter: "cursor" } });
}

function readText(q: string | undefined, maxLength: number): string {
  if (q === undefined) throw problems.invalidParameter("q", "'q' is required: the words to search for");
  const text = q.trim();
  if (text === "") throw problems.invalidParameter("q", "'q' must not be empty");
  if (text.length > maxLength) throw problems.invalidParameter("q", `'q' may be at most ${maxLength} characters`);
  // Databases refuse NUL in text parameters; refuse it here, the same way on every adapter.
  if (text.includes("\u0000")) throw problems.invalidParameter("q", "'q' must not contain NUL characters");
  return text;
}

/** The cursor of the page starting at `offset`. */
export function encodeSearchCursor(offset: number, fingerprint: string): string {
  return `${offset.toString(36)}.${shortHash(`${offset}:${fingerprint}`)}`;
}

function decodeCursor(cursor: string, fingerprint: string, maxResults: number): number {
  const match = /^([0-9a-z]{1,8})\.([0-9a-z]{1,8})$/.exec(cursor);
  if (!match) throw invalidCursor("The cursor is malformed");
  const offset = parseInt(match[1]!, 36);
  if (match[2] !== shortHash(`${offset}:${fingerprint}`)) {
    throw invalidCursor("The cursor belongs to another search (q and filter must stay the same)");
  }
  if (offset >= maxResults) throw invalidCursor("The cursor lies beyond the deepest reachable result");
  return offset;
}

/**
 * Parses the search parameters of a request. `filter`, `select` and `limit` are read as the list
 * endpoint reads them (the resource's `parseList`, its filter limits and page sizes).
 */
export function parseSearchQuery(
  params: Record<string, string | undefined>,
  resource: ResourceHandle,
  limits: SearchQueryLimits,
): SearchQuery {
  const text = readText(params.q, limits.maxQueryLength);
  const filterText = params.filter;
  const { filter, select, limit } = resource.parseList({
    filter: filterText,
    select: params.select,
    limit: params.limit,
  });
  const fingerprint = JSON.stringify([text, filterText?.trim() ?? ""]);
  return {
    text,
    terms: searchTerms(text),
    filter,
    select,
    limit,
    offset: params.cursor ? decodeCursor(params.cursor, fingerprint, limits.maxResults) : 0,
    fingerprint,
  };
}
