/**
 * OpenAPI 3.1 for mounted resources: every endpoint with its query parameters, bodies, responses,
 * ETag headers and procedures, and the row schemas derived from the table's columns (readable
 * columns only, so the document reveals no hidden field).
 */
import type { Column, Table } from "drizzle-orm";
import { z } from "zod";
import { relationsOf } from "./relations/resolve";
import type { ResourceExtension, ResourceHandle } from "./extension";
import type { ResourceRuntime } from "./runtime";
import { isIntegerColumn, isOptionalOnCreate } from "./validation";

type JsonSchema = Record<string, unknown>;
type Operation = Record<string, unknown>;

export interface MountedResource {
  path: string;
  runtime: ResourceRuntime<Table>;
  /** What the resource's extensions see of it, and the extensions themselves (their paths join the document). */
  handle?: ResourceHandle;
  extensions?: readonly ResourceExtension[];
}

/** The JSON Schema of one column's value. */
export function columnSchema(column: Column): JsonSchema {
  let schema: JsonSchema;
  switch (column.dataType) {
    case "number":
      schema = { type: isIntegerColumn(column) ? "integer" : "number" };
      break;
    case "bigint":
      schema = { type: "string", pattern: "^-?\\d+$" };
      break;
    case "boolean":
      schema = { type: "boolean" };
      break;
    case "date":
      schema = { type: "string", format: "date-time" };
      break;
    case "string": {
      const values = (column as { enumValues?: string[] }).enumValues;
      const length = (column as { length?: number }).length;
      schema =
        values && values.length > 0
          ? { type: "string", enum: values }
          : { type: "string", ...(length ? { maxLength: length } : {}) };
      break;
    }
    case "array":
      schema = { type: "array" };
      break;
    default:
      schema = {};
  }
  if (!column.notNull && typeof schema.type === "string") schema.type = [schema.type, "null"];
  return schema;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ref("Problem") } },
});
const json = (schema: JsonSchema, description = "OK") => ({ description, content: { "application/json": { schema } } });
const query = (name: string, description: string, schema: JsonSchema = { type: "string" }) => ({
  name,
  in: "query",
  required: false,
  description,
  schema,
});
const ERRORS = {
  "400": problem("Invalid request"),
  "401": problem("Authentication required"),
  "403": problem("Forbidden"),
  "429": problem("Too many requests"),
};

function schemaName(name: string): string {
  return (
    name
      .replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, char: string) => char.toUpperCase())
      .replace(/[^A-Za-z0-9]/g, "") || "Resource"
  );
}

function rowSchemas(runtime: ResourceRuntime<Table>, name: string): Record<string, JsonSchema> {
  const { info, config } = runtime;
  const readable: Record<string, JsonSchema> = {};
  for (const key of info.readable) readable[key] = columnSchema(info.columns[key]!);
  for (const key of info.computed) readable[key] = { description: "computed" };
  const writable: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [key, column] of Object.entries(info.columns)) {
    if (key === info.versionKey || key === info.softDeleteKey) continue;
    if (info.writable !== null && !info.writable.has(key) && key !== info.idKey && !info.generated.has(key)) continue;
    writable[key] = columnSchema(column);
    if (!isOptionalOnCreate(key, column, info)) required.push(key);
  }
  const closed = config.strictInput === true ? { additionalProperties: false } : {};
  return {
    [name]: { type: "object", properties: readable },
    [`${name}Create`]: { type: "object", properties: writable, required, ...closed },
    [`${name}Update`]: { type: "object", properties: writable, ...closed },
  };
}

function resourcePaths(mounted: MountedResource, name: string): Record<string, Record<string, Operation>> {
  const { path: base, runtime } = mounted;
  const { info } = runtime;
  const tag = [info.name];
  const etag = info.versionKey !== null;
  const idParam = { name: "id", in: "path", required: true, schema: columnSchema(info.idColumn) };
  const ifMatch = etag
    ? [
        {
          name: "If-Match",
          in: "header",
          required: false,
          description: "Write only if the row still has this ETag",
          schema: { type: "string" },
        },
      ]
    : [];
  const etagHeaders = etag ? { headers: { ETag: { description: "The row version", schema: { type: "string" } } } } : {};
  const withDeleted =
    info.softDeleteKey !== null ? [query("withDeleted", "Include soft-deleted rows", { type: "boolean" })] : [];
  const filter = query("filter", 'RSQL filter, e.g. age>=18;role=="admin" (see docs/filtering.md)');
  const relationNames = [...relationsOf(runtime).keys()];
  const include =
    relationNames.length === 0
      ? []
      : [
          query(
            "include",
            `Related rows to embed, with options and nesting, e.g. ${relationNames[0]}(limit:5). Relations: ${relationNames.join(", ")}`,
          ),
        ];
  const row = ref(name);
  const items = { type: "array", items: row };
  const extensionPaths: Record<string, Record<string, Operation>> = {};
  const handle = mounted.handle;
  if (handle) {
    for (const extension of mounted.extensions ?? []) {
      Object.assign(
        extensionPaths,
        extension.openapi?.(handle, base, { tags: tag, name, errors: ERRORS, problem, rowRef: row }),
      );
    }
  }
  const rpc: Record<string, Record<string, Operation>> = {};
  for (const [procedure, def] of Object.entries(runtime.procedures)) {
    rpc[`${base}/rpc/${procedure}`] = {
      post: {
        tags: tag,
        operationId: `${name}Rpc${schemaName(procedure)}`,
        requestBody: {
          content: {
            "application/json": { schema: z.toJSONSchema(def.input, { io: "input", unrepresentable: "any" }) },
          },
        },
        responses: {
          "200": json(def.output ? z.toJSONSchema(def.output, { io: "output", unrepresentable: "any" }) : {}),
          "422": problem("Invalid input"),
          ...ERRORS,
        },
      },
    };
  }
  return {
    [base]: {
      get: {
        tags: tag,
        operationId: `list${name}`,
        parameters: [
          filter,
          query("select", "Fields to return, comma-separated"),
          query("orderBy", "e.g. name:asc,age:desc"),
          query("limit", "Page size", { type: "integer", minimum: 1 }),
          query("cursor", "nextCursor of the previous page"),
          query("totalCount", "Include the number of matching rows", { type: "boolean" }),
          ...include,
          ...withDeleted,
        ],
        responses: {
          "200": json({
            type: "object",
            properties: {
              items,
              nextCursor: { type: ["string", "null"] },
              hasMore: { type: "boolean" },
              totalCount: { type: "integer" },
            },
            required: ["items", "nextCursor", "hasMore"],
          }),
          ...ERRORS,
        },
      },
      post: {
        tags: tag,
        operationId: `create${name}`,
        requestBody: { required: true, content: { "application/json": { schema: ref(`${name}Create`) } } },
        responses: {
          "201": { ...json(row, "Created"), ...etagHeaders },
          "409": problem("Conflict"),
          "413": problem("Payload too large"),
          "415": problem("Not JSON"),
          "422": problem("Unknown field"),
          ...ERRORS,
        },
      },
    },
    [`${base}/count`]: {
      get: {
        tags: tag,
        operationId: `count${name}`,
        parameters: [filter, ...withDeleted],
        responses: { "200": json({ type: "object", properties: { count: { type: "integer" } } }), ...ERRORS },
      },
    },
    [`${base}/aggregate`]: {
      get: {
        tags: tag,
        operationId: `aggregate${name}`,
        parameters: [
          filter,
          query("groupBy", "Fields to group by"),
          query("sum", "Numeric fields"),
          query("avg", "Numeric fields"),
          query("min", "Fields"),
          query("max", "Fields"),
          query("having", "RSQL over count, group fields and metrics, e.g. count>=5;sum_amount>100"),
          query("orderBy", "Output names"),
          query("limit", "Most groups", { type: "integer" }),
          ...withDeleted,
        ],
        responses: {
          "200": json({ type: "object", properties: { groups: { type: "array", items: { type: "object" } } } }),
          ...ERRORS,
        },
      },
    },
    ...extensionPaths,
    [`${base}/batch`]: {
      post: {
        tags: tag,
        operationId: `batchCreate${name}`,
        requestBody: { content: { "application/json": { schema: { type: "array", items: ref(`${name}Create`) } } } },
        responses: { "201": json({ type: "object", properties: { items } }), ...ERRORS },
      },
      patch: {
        tags: tag,
        operationId: `batchUpdate${name}`,
        requestBody: { content: { "application/json": { schema: { type: "array", items: ref(`${name}Update`) } } } },
        responses: {
          "200": json({ type: "object", properties: { items } }),
          "404": problem("A row does not exist"),
          ...ERRORS,
        },
      },
      delete: {
        tags: tag,
        operationId: `batchDelete${name}`,
        requestBody: {
          content: { "application/json": { schema: { type: "array", items: columnSchema(info.idColumn) } } },
        },
        responses: {
          "200": json({ type: "object", properties: { deleted: { type: "integer" } } }),
          "404": problem("A row does not exist"),
          ...ERRORS,
        },
      },
    },
    [`${base}/batch/upsert`]: {
      post: {
        tags: tag,
        operationId: `batchUpsert${name}`,
        requestBody: { content: { "application/json": { schema: { type: "array", items: ref(`${name}Update`) } } } },
        responses: { "200": json({ type: "object", properties: { items } }), ...ERRORS },
      },
    },
    [`${base}/{id}`]: {
      get: {
        tags: tag,
        operationId: `get${name}`,
        parameters: [
          idParam,
          query("select", "Fields to return"),
          ...include,
          ...withDeleted,
          ...(etag ? [{ name: "If-None-Match", in: "header", required: false, schema: { type: "string" } }] : []),
        ],
        responses: {
          "200": { ...json(row), ...etagHeaders },
          ...(etag ? { "304": { description: "Not modified" } } : {}),
          "404": problem("Not found"),
          ...ERRORS,
        },
      },
      patch: {
        tags: tag,
        operationId: `update${name}`,
        parameters: [idParam, ...ifMatch],
        requestBody: { content: { "application/json": { schema: ref(`${name}Update`) } } },
        responses: {
          "200": { ...json(row), ...etagHeaders },
          "404": problem("Not found"),
          "412": problem("ETag mismatch"),
          ...ERRORS,
        },
      },
      put: {
        tags: tag,
        operationId: `replace${name}`,
        parameters: [idParam, ...ifMatch],
        requestBody: { content: { "application/json": { schema: ref(`${name}Create`) } } },
        responses: {
          "200": { ...json(row), ...etagHeaders },
          "404": problem("Not found"),
          "412": problem("ETag mismatch"),
          ...ERRORS,
        },
      },
      delete: {
        tags: tag,
        operationId: `delete${name}`,
        parameters: [idParam, ...ifMatch],
        responses: {
          "204": { description: "Deleted" },
          "404": problem("Not found"),
          "412": problem("ETag mismatch"),
          ...ERRORS,
        },
      },
    },
    ...rpc,
  };
}

/** The OpenAPI 3.1 document of every mounted resource. */
export function buildOpenApiDocument(
  resources: readonly MountedResource[],
  info: { title: string; version: string },
  /** Paths of the app's other routes (file routes), added as they are. */
  extraPaths: Record<string, unknown> = {},
): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, JsonSchema> = {
    Problem: {
      type: "object",
      required: ["type", "title", "status", "code"],
      properties: {
        type: { type: "string" },
        title: { type: "string" },
        status: { type: "integer" },
        code: { type: "string" },
        detail: { type: "string" },
      },
    },
  };
  for (const mounted of resources) {
    const { runtime } = mounted;
    const name = schemaName(runtime.info.name);
    Object.assign(schemas, rowSchemas(runtime, name));
    Object.assign(paths, resourcePaths(mounted, name));
  }
  Object.assign(paths, extraPaths);
  return { openapi: "3.1.0", info, paths, components: { schemas } };
}
