/**
 * A local HTTP server speaking the OpenSearch wire format for the calls the adapter makes:
 * HEAD/PUT /{index}, PUT and DELETE /{index}/_doc/{id}, POST /{index}/_bulk (NDJSON) and
 * POST /{index}/_search with a multi_match query. It records every request and can be told to
 * fail, to stand in for an outage.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

type Fields = Record<string, string>;

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

export interface FakeOpenSearch {
  url: string;
  requests: RecordedRequest[];
  /** Index name → document id → fields. */
  indexes: Map<string, Map<string, Fields>>;
  /** While true, every request answers 503. */
  failing: boolean;
  /** Document ids whose indexing fails (a mapping error, reported per item as OpenSearch does). */
  rejectIds: Set<string>;
  close(): Promise<void>;
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function reply(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

function error(res: ServerResponse, status: number, type: string, reason: string): void {
  reply(res, status, { error: { root_cause: [{ type, reason }], type, reason }, status });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

interface MultiMatch {
  query: string;
  fields: string[];
  operator?: "and" | "or";
}

function search(documents: Map<string, Fields>, match: MultiMatch, from: number, size: number) {
  const terms = [...new Set(words(match.query))];
  const frequency = (document: Fields, term: string) =>
    match.fields.reduce((sum, field) => sum + words(document[field] ?? "").filter((word) => word === term).length, 0);
  const holders = new Map(
    terms.map((term) => [term, [...documents.values()].filter((document) => frequency(document, term) > 0).length]),
  );
  const hits: { _id: string; _score: number }[] = [];
  for (const [id, document] of documents) {
    const counts = terms.map((term) => frequency(document, term));
    const matched = match.operator === "and" ? counts.every((n) => n > 0) : counts.some((n) => n > 0);
    if (!matched || terms.length === 0) continue;
    const score = counts.reduce(
      (sum, n, i) => sum + n * Math.log(1 + documents.size / Math.max(1, holders.get(terms[i]!)!)),
      0,
    );
    hits.push({ _id: id, _score: score });
  }
  hits.sort((a, b) => b._score - a._score);
  return { total: hits.length, hits: hits.slice(from, from + size) };
}

/** Starts the server on a free local port. */
export async function startFakeOpenSearch(): Promise<FakeOpenSearch> {
  const state = {
    requests: [] as RecordedRequest[],
    indexes: new Map<string, Map<string, Fields>>(),
    failing: false,
    rejectIds: new Set<string>(),
  };
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://localhost");
    state.requests.push({
      method: req.method ?? "GET",
      path: url.pathname + url.search,
      contentType: req.headers["content-type"],
      authorization: req.headers.authorization,
      body,
    });
    if (state.failing) return error(res, 503, "cluster_block_exception", "the cluster is unavailable");
    const [index, endpoint, id] = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (!index) return error(res, 400, "illegal_argument_exception", "no index");
    const documents = state.indexes.get(index);
    if (endpoint === undefined) {
      if (req.method === "HEAD") return reply(res, documents ? 200 : 404);
      if (req.method === "PUT") {
        if (documents) return error(res, 400, "resource_already_exists_exception", `index [${index}] already exists`);
        state.indexes.set(index, new Map());
        return reply(res, 200, { acknowledged: true, shards_acknowledged: true, index });
      }
    }
    // Writes create a missing index, as OpenSearch does by default.
    const target = documents ?? new Map<string, Fields>();
    if (endpoint === "_doc" && id !== undefined) {
      if (req.method === "PUT") {
        if (state.rejectIds.has(id)) return error(res, 400, "mapper_parsing_exception", "failed to parse");
        state.indexes.set(index, target);
        const existed = target.has(id);
        target.set(id, JSON.parse(body) as Fields);
        return reply(res, existed ? 200 : 201, {
          _index: index,
          _id: id,
          _version: 1,
          result: existed ? "updated" : "created",
        });
      }
      if (req.method === "DELETE") {
        const existed = target.delete(id);
        return reply(res, existed ? 200 : 404, { _index: index, _id: id, result: existed ? "deleted" : "not_found" });
      }
    }
    if (endpoint === "_bulk" && req.method === "POST") {
      if (!req.headers["content-type"]?.startsWith("application/x-ndjson"))
        return error(res, 406, "content_type_error", "bulk needs x-ndjson");
      if (!body.endsWith("\n"))
        return error(res, 400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]");
      state.indexes.set(index, target);
      const lines = body
        .split("\n")
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, { _id: string }>);
      const items: Record<string, unknown>[] = [];
      for (let i = 0; i < lines.length; i++) {
        const [action, meta] = Object.entries(lines[i]!)[0]!;
        if (action === "index" && state.rejectIds.has(meta._id)) {
          i++;
          const reason = { type: "mapper_parsing_exception", reason: "failed to parse" };
          items.push({ index: { _index: index, _id: meta._id, status: 400, error: reason } });
        } else if (action === "index") {
          const existed = target.has(meta._id);
          target.set(meta._id, lines[++i] as unknown as Fields);
          items.push({
            index: {
              _index: index,
              _id: meta._id,
              status: existed ? 200 : 201,
              result: existed ? "updated" : "created",
            },
          });
        } else if (action === "delete") {
          const existed = target.delete(meta._id);
          items.push({
            delete: {
              _index: index,
              _id: meta._id,
              status: existed ? 200 : 404,
              result: existed ? "deleted" : "not_found",
            },
          });
        }
      }
      const errors = items.some((item) =>
        Object.values(item).some((result) => (result as { error?: unknown }).error !== undefined),
      );
      return reply(res, 200, { took: 1, errors, items });
    }
    if (endpoint === "_search" && req.method === "POST") {
      if (!documents) return error(res, 404, "index_not_found_exception", `no such index [${index}]`);
      const request = JSON.parse(body) as { from?: number; size?: number; query: { multi_match: MultiMatch } };
      const found = search(documents, request.query.multi_match, request.from ?? 0, request.size ?? 10);
      return reply(res, 200, {
        took: 1,
        timed_out: false,
        _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        hits: {
          total: { value: found.total, relation: "eq" },
          max_score: found.hits[0]?._score ?? null,
          hits: found.hits.map((hit) => ({ _index: index, ...hit })),
        },
      });
    }
    return error(res, 405, "method_not_allowed", `${req.method} ${url.pathname}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
