/**
 * The `search` resource extension: builds each resource's index from its `search` config (`init`),
 * joins its outbox to the resource's writes (companion writes, in the writes' own transactions),
 * keeps an external index current after each commit (`afterCommit`), and serves GET /search?q=
 * with its OpenAPI operation. A resource without `search` config still answers GET /search with a
 * 404 problem naming it, rather than taking `search` for an id.
 */
import { methodNotAllowed } from "../../kernel/error-handler";
import type { ResourceExtension } from "../extension";
import { runtimeOf } from "../handle";
import { outboxWrites } from "./outbox-writes";
import { ResourceSearch } from "./resource-search";
import { searchRows } from "./search-handler";

const query = (name: string, description: string, schema: Record<string, unknown> = { type: "string" }) => ({ name, in: "query", required: false, description, schema });

/** Full-text search over the resource's `search` config (on by default). */
export function search(): ResourceExtension {
  return {
    name: "search",
    problems: ["search-unavailable", "not-found"],
    init(resource, app) {
      const config = resource.config.search;
      if (!config) return;
      const indexed = new ResourceSearch(resource.info, config, app);
      runtimeOf(resource).search = indexed;
      if (indexed.outboxBinding) resource.joinWrites(outboxWrites(indexed.outboxBinding));
    },
    afterCommit: (resource, mutations) => runtimeOf(resource).search?.afterCommit(mutations),
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
