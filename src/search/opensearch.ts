/**
 * OpenSearch over HTTP with `fetch` only: documents are indexed with `PUT /{index}/_doc/{id}` (or
 * `POST /{index}/_bulk` for several), removed with `DELETE /{index}/_doc/{id}`, and searched with
 * `POST /{index}/_search` and a multi_match query requiring every word. Hits hold ids only; the
 * resource re-reads the rows under the caller's scope.
 */
import type { ExternalSearchIndex, SearchAdapter, SearchDocument, SearchHit, SearchTarget, SearchText } from "./types";
import { tracedFetch } from "../kernel/trace-context";

export interface OpenSearchOptions {
  /** Base URL of the cluster, e.g. `https://search.internal:9200`. */
  url: string;
  /** Index name (lower case). */
  index: string;
  /** Headers for every request, e.g. `{ authorization: "Basic ..." }`. */
  headers?: Record<string, string>;
  /** Request timeout in milliseconds (default 5000). */
  timeoutMs?: number;
  /** `refresh` for writes: false (default), true, or "wait_for" (read-your-writes at a cost). */
  refresh?: boolean | "wait_for";
  /** Body of `PUT /{index}` when the index is missing (default: each field mapped as `text`). */
  indexBody?: Record<string, unknown>;
  /** The fetch to use (default the global one), e.g. one that signs requests. */
  fetch?: typeof fetch;
}

const INDEX_NAME = /^[a-z0-9][a-z0-9._-]{0,254}$/;

/** A failed exchange with the search server; the resource answers 503 `search-unavailable`. */
export class SearchBackendError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "SearchBackendError";
  }
}

interface BulkResponse {
  errors?: boolean;
  items?: Record<string, { _id?: string; status?: number; error?: { type?: string; reason?: string } }>[];
}

interface SearchResponse {
  hits?: { hits?: { _id?: string; _score?: number | null }[] };
}

class OpenSearchIndex implements ExternalSearchIndex {
  readonly location = "external";
  readonly persistent = true;
  private readonly base: string;
  private readonly fields: string[];
  private readonly send: typeof fetch;

  constructor(
    target: SearchTarget,
    private readonly options: OpenSearchOptions,
  ) {
    if (!INDEX_NAME.test(options.index))
      throw new TypeError(`covara: '${options.index}' is not a valid OpenSearch index name`);
    this.base = `${options.url.replace(/\/+$/, "")}/${options.index}`;
    this.fields = Object.keys(target.fields);
    this.send = options.fetch ?? tracedFetch;
  }

  async setup(): Promise<void> {
    const head = await this.request("HEAD", "");
    if (head.status === 200) return;
    if (head.status !== 404)
      throw new SearchBackendError(`checking index '${this.options.index}' answered ${head.status}`, head.status);
    const properties = Object.fromEntries(this.fields.map((field) => [field, { type: "text" }]));
    const created = await this.request("PUT", "", this.options.indexBody ?? { mappings: { properties } });
    const answer = await created.text();
    // Another process may have created it in between.
    if (created.ok || (created.status === 400 && answer.includes("resource_already_exists_exception"))) return;
    throw new SearchBackendError(`creating index '${this.options.index}' answered ${created.status}`, created.status);
  }

  async upsert(documents: readonly SearchDocument[]): Promise<void> {
    if (documents.length === 0) return;
    if (documents.length === 1) {
      const [document] = documents;
      await this.expectOk(
        await this.request("PUT", `/_doc/${encodeURIComponent(document!.id)}${this.refresh()}`, document!.fields),
        "indexing",
      );
      return;
    }
    const lines: unknown[] = [];
    for (const document of documents) lines.push({ index: { _id: document.id } }, document.fields);
    await this.bulk(lines);
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    if (ids.length === 1) {
      const res = await this.request("DELETE", `/_doc/${encodeURIComponent(ids[0]!)}${this.refresh()}`);
      // 404: the document was never indexed or is already gone — the goal is reached.
      if (res.status === 404) await res.body?.cancel();
      else await this.expectOk(res, "deleting");
      return;
    }
    await this.bulk(ids.map((id) => ({ delete: { _id: id } })));
  }

  async search(request: SearchText & { from: number; size: number }): Promise<SearchHit[]> {
    const body = {
      from: request.from,
      size: request.size,
      _source: false,
      query: { multi_match: { query: request.text, fields: this.fields, operator: "and" } },
    };
    const res = await this.request("POST", "/_search", body);
    await this.expectOk(res, "searching", true);
    const parsed = (await res.json()) as SearchResponse;
    const hits: SearchHit[] = [];
    for (const hit of parsed.hits?.hits ?? []) {
      if (typeof hit._id === "string")
        hits.push({ id: hit._id, score: typeof hit._score === "number" ? hit._score : 0 });
    }
    return hits;
  }

  private async bulk(lines: unknown[]): Promise<void> {
    const body = lines.map((line) => JSON.stringify(line)).join("\n") + "\n";
    const res = await this.request("POST", `/_bulk${this.refresh()}`, body, "application/x-ndjson");
    await this.expectOk(res, "bulk indexing", true);
    const parsed = (await res.json()) as BulkResponse;
    if (!parsed.errors) return;
    for (const item of parsed.items ?? []) {
      for (const [action, result] of Object.entries(item)) {
        // A delete of a document that is not there is not a failure.
        if (action === "delete" && result.status === 404) continue;
        if (result.error)
          throw new SearchBackendError(
            `bulk ${action} of '${result._id}' failed: ${result.error.type ?? "error"}`,
            result.status,
          );
      }
    }
  }

  private refresh(): string {
    const refresh = this.options.refresh ?? false;
    return refresh === false ? "" : `?refresh=${refresh}`;
  }

  /**
   * One HTTP exchange. Every call the adapter makes is idempotent (by id, or a read), so a failure
   * before any answer — typically a pooled keep-alive connection the server had just closed — is
   * retried once on a fresh attempt; a timeout is not.
   */
  private async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<Response> {
    const headers: Record<string, string> = { ...this.options.headers };
    if (body !== undefined) headers["content-type"] = contentType;
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send(`${this.base}${path}`, {
          method,
          headers,
          body: payload,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        });
      } catch (error) {
        const timedOut = (error as Error).name === "TimeoutError" || (error as Error).name === "AbortError";
        if (attempt < 2 && !timedOut) continue;
        throw new SearchBackendError(`${method} ${this.options.index}${path} failed: ${(error as Error).message}`);
      }
    }
  }

  /** Throws unless the answer is 2xx; reads the body away unless the caller still needs it. */
  private async expectOk(res: Response, doing: string, keepBody = false): Promise<void> {
    // An unread body keeps its pooled connection busy.
    if (!res.ok || !keepBody) await res.body?.cancel();
    if (!res.ok) throw new SearchBackendError(`${doing} in '${this.options.index}' answered ${res.status}`, res.status);
  }
}

/** Search through an OpenSearch cluster: `search: { index: createOpenSearch({ url, index }), fields: [...] }`. */
export function createOpenSearch(options: OpenSearchOptions): SearchAdapter {
  return { name: "opensearch", bind: (target) => new OpenSearchIndex(target, options) };
}
