/**
 * The OpenAPI description of a resource's live endpoints: GET /subscribe and GET
 * /aggregate/subscribe, both `text/event-stream`, with the query parameters they share with the
 * list and aggregate endpoints plus the resume parameters.
 */
import type { OpenApiShared, ResourceHandle } from "../resource/extension";

type JsonSchema = Record<string, unknown>;
type Operation = Record<string, unknown>;

const query = (name: string, description: string, schema: JsonSchema = { type: "string" }) => ({
  name,
  in: "query",
  required: false,
  description,
  schema,
});

const EVENTS_DESCRIPTION =
  "A stream of server-sent events. Row streams send `connected`, `snapshot` (the list response of the query), then `added`, " +
  "`changed` (data `{ seq, id, row }`) and `removed` (data `{ seq, id }`); `invalidate` (data `{ seq, reason }`) asks the " +
  "client to refetch. Aggregate streams send `connected` and `aggregate` (data `{ seq, groups }`). Every stream may end with " +
  "`error` or `reconnect` (data: a problem document). Event ids are changelog sequence numbers; comment lines are heartbeats.";

/** The two live paths of a mounted resource (none when its subscriptions are off). */
export function subscriptionPaths(
  base: string,
  runtime: ResourceHandle,
  shared: OpenApiShared,
): Record<string, Record<string, Operation>> {
  const withDeleted =
    runtime.info.softDeleteKey !== null ? [query("withDeleted", "Include soft-deleted rows", { type: "boolean" })] : [];
  const resume = [
    {
      name: "Last-Event-ID",
      in: "header",
      required: false,
      description: "Resume after this changelog sequence number (sent by EventSource on reconnect)",
      schema: { type: "string", pattern: "^\\d{1,15}$" },
    },
    query("lastEventId", "The same as the Last-Event-ID header, for clients that cannot set headers", {
      type: "string",
      pattern: "^\\d{1,15}$",
    }),
  ];
  const filter = query("filter", "RSQL filter; only matching rows inside the read scope are sent");
  const relations = runtime.relationNames();
  const include =
    relations.length === 0
      ? []
      : [
          query(
            "include",
            `Related rows to embed in every row, as in the list endpoint. Relations: ${relations.join(", ")}`,
          ),
        ];
  const stream = {
    description: "An event stream",
    content: { "text/event-stream": { schema: { type: "string", description: EVENTS_DESCRIPTION } } },
  };
  const responses = {
    "200": stream,
    ...shared.errors,
    "503": shared.problem("Shutting down, or live updates unavailable"),
  };
  return {
    [`${base}/subscribe`]: {
      get: {
        tags: shared.tags,
        operationId: `subscribe${shared.name}`,
        description: "Live rows matching the filter within the read scope, masked and computed like the list endpoint.",
        parameters: [
          filter,
          query("select", "Fields to return, comma-separated"),
          query("orderBy", "Order of the snapshot, e.g. name:asc"),
          query("limit", "Most rows in the snapshot", { type: "integer", minimum: 1 }),
          query("cursor", "Start the snapshot after this list cursor"),
          query("totalCount", "Include the number of matching rows in the snapshot", { type: "boolean" }),
          query("snapshot", "Send the snapshot (default true)", { type: "boolean" }),
          ...include,
          ...withDeleted,
          ...resume,
        ],
        responses,
      },
    },
    [`${base}/aggregate/subscribe`]: {
      get: {
        tags: shared.tags,
        operationId: `subscribeAggregate${shared.name}`,
        description: "The result of GET /aggregate with the same parameters, pushed again whenever it changes.",
        parameters: [
          filter,
          query("groupBy", "Fields to group by"),
          query("sum", "Numeric fields"),
          query("avg", "Numeric fields"),
          query("min", "Fields"),
          query("max", "Fields"),
          query("having", "RSQL over count, group fields and metrics"),
          query("orderBy", "Output names"),
          query("limit", "Most groups", { type: "integer" }),
          ...withDeleted,
          ...resume,
        ],
        responses,
      },
    },
  };
}
