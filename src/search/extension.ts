/**
 * The `search` resource extension: builds each resource's index from its `search` config (`init`),
 * joins its outbox to the resource's writes (companion writes, in the writes' own transactions),
 * keeps an external index current after each commit (a commit listener on the resources whose
 * index needs one), and serves GET /search?q= with its OpenAPI operation. A resource without
 * `search` config still answers GET /search with a 404 problem naming it, rather than taking
 * `search` for an id. It reaches its resources only through the `ResourceHandle`.
 */
import type { Table } from "drizzle-orm";
import { methodNotAllowed } from "../kernel/error-handler";
import type { ResourceExtension, ResourceHandle } from "../resource/extension";
import { outboxWrites } from "./outbox-writes";
import { ResourceSearch } from "./resource-search";
import { searchRows } from "./search-handler";
import type { SearchConfig } from "./types";

declare module "../resource/extension" {
  interface ResourceExtensionConfig<TTable extends Table> {
    /** Full-text search: `GET /search?q=` over these text columns, through this index. */
    search?: SearchConfig<TTable>;
  }
}

/** Each mounted resource's search, keyed by its handle (one per mounted resource, so apps never share one). */
const indexes = new WeakMap<ResourceHandle, ResourceSearch>();

/** The search of a mounted resource, when it has `search` config and the `search()` extension. */
export function searchOf(resource: ResourceHandle): ResourceSearch | undefined {
  return indexes.get(resource);
}

const query = (name: string, description: string, schema: Record<string, unknown> = { type: "string" }) => ({
  name,
  in: "query",
  required: false,
  description,
  schema,
});

/** Full-text search over the resource's `search` config (on by default). */
export function search(): ResourceExtension {
  return {
    name: "search",
    problems: ["search-unavailable", "not-found"],
    init(resource, app) {
      const config = resource.config.search;
      if (!config) return;
      const indexed = new ResourceSearch(resource, config, app);
      indexes.set(resource, indexed);
      if (indexed.outboxBinding) resource.joinWrites(outboxWrites(indexed.outboxBinding));
      // Only an external index follows the commits: a database index is updated in each write's
      // own transaction, and an outbox that another process drains needs nothing here.
      if (indexed.followsCommits) indexed.listen(resource.onCommit((mutations) => indexed.afterCommit(mutations)));
    },
    mount(router, resource) {
      router.get("/search", (c) => searchRows(resource, indexes.get(resource), c));
      router.all("/search", methodNotAllowed(["GET"]));
    },
    openapi(resource, base, shared) {
      const indexed = indexes.get(resource);
      if (!indexed) return {};
      const filter = query("filter", 'RSQL filter, e.g. age>=18;role=="admin" (see docs/filtering.md)');
      const item = {
        allOf: [shared.rowRef, { type: "object", properties: { _score: { type: "number" } }, required: ["_score"] }],
      };
      const body = {
        type: "object",
        properties: {
          items: { type: "array", items: item },
          nextCursor: { type: ["string", "null"] },
          hasMore: { type: "boolean" },
        },
        required: ["items", "nextCursor", "hasMore"],
      };
      return {
        [`${base}/search`]: {
          get: {
            tags: shared.tags,
            operationId: `search${shared.name}`,
            description: `Full-text search over ${Object.keys(indexed.target.fields).join(", ")}; every word must match. Items carry their relevance as _score (higher is better).`,
            parameters: [
              {
                ...query("q", "The words to search for", {
                  type: "string",
                  minLength: 1,
                  maxLength: indexed.maxQueryLength,
                }),
                required: true,
              },
              filter,
              query("select", "Fields to return, comma-separated"),
              query("limit", "Page size", { type: "integer", minimum: 1 }),
              query("cursor", "nextCursor of the previous page"),
            ],
            responses: {
              "200": { description: "OK", content: { "application/json": { schema: body } } },
              "503": shared.problem("Search index unavailable"),
              ...shared.errors,
            },
          },
        },
      };
    },
  };
}
