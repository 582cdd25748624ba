/**
 * The `search` resource extension: GET /search?q= and its OpenAPI operation. The index itself is
 * built with the resource (its outbox rows are written in the resource's own transactions), so
 * the extension only serves it. A resource without `search` config still answers GET /search with
 * a 404 problem naming it, rather than taking `search` for an id.
 */
import { methodNotAllowed } from "../../kernel/error-handler";
import type { ResourceExtension } from "../extension";
import { runtimeOf } from "../handle";
import { searchRows } from "./search-handler";

const query = (name: string, description: string, schema: Record<string, unknown> = { type: "string" }) => ({ name, in: "query", required: false, description, schema });

/** Full-text search over the resource's `search` config (on by default). */
export function search(): ResourceExtension {
  return {
    name: "search",
    problems: ["search-unavailable", "not-found"],
    mount(router, resource) {
      const runtime = runtimeOf(resource);
      router.get("/search", (c) => searchRows(runtime, c));
      router.all("/search", methodNotAllowed(["GET"]));
    },
    openapi(resource, base, shared) {
      const indexed = runtimeOf(resource).search;
      if (!indexed) return {};
      const filter = query("filter", "RSQL filter, e.g. age>=18;role==\"admin\" (see docs/filtering.md)");
      const item = { allOf: [shared.rowRef, { type: "object", properties: { _score: { type: "number" } }, required: ["_score"] }] };
      const body = { type: "object", properties: { items: { type: "array", items: item }, nextCursor: { type: ["string", "null"] }, hasMore: { type: "boolean" } }, required: ["items", "nextCursor", "hasMore"] };
      return {
        [`${base}/search`]: {
          get: {
            tags: shared.tags,
            operationId: `search${shared.name}`,
            description: `Full-text search over ${Object.keys(indexed.target.fields).join(", ")}; every word must match. Items carry their relevance as _score (higher is better).`,
            parameters: [{ ...query("q", "The words to search for", { type: "string", minLength: 1, maxLength: indexed.maxQueryLength }), required: true }, filter, query("select", "Fields to return, comma-separated"), query("limit", "Page size", { type: "integer", minimum: 1 }), query("cursor", "nextCursor of the previous page")],
            responses: { "200": { description: "OK", content: { "application/json": { schema: body } } }, "503": shared.problem("Search index unavailable"), ...shared.errors },
          },
        },
      };
    },
  };
}
