/** OpenAPI paths of file routes, generated from their Zod schemas (input side: what a client sends). */
import { z } from "zod";
import type { LoadedRoute } from "./load";

type JsonSchema = Record<string, unknown>;

function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
}

/** One OpenAPI parameter per property of an object schema. */
function parameters(schema: z.ZodType | undefined, location: "path" | "query", names: readonly string[]): JsonSchema[] {
  const json = schema ? toJsonSchema(schema) : {};
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(json.required) ? json.required : []);
  const listed = location === "path" ? names : Object.keys(properties);
  return listed.map((name) => ({
    name,
    in: location,
    required: location === "path" || required.has(name),
    schema: properties[name] ?? { type: "string" },
  }));
}

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

/** The `paths` entries of the routes. */
export function fileRoutePaths(routes: readonly LoadedRoute[]): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const item: Record<string, unknown> = (paths[route.path.openapi] ??= {});
    for (const { method, schema } of route.methods) {
      const operation: Record<string, unknown> = {
        operationId: `${method.toLowerCase()}_${route.path.folder.replace(/[^A-Za-z0-9]+/g, "_") || "root"}`,
        parameters: [...parameters(schema.params, "path", route.path.params), ...parameters(schema.query, "query", [])],
        responses: {
          "200": { description: "OK" },
          ...(schema.body || schema.query || schema.params
            ? { "422": problem("Invalid input: every issue is listed") }
            : {}),
        },
      };
      if (schema.body)
        operation.requestBody = {
          required: true,
          content: { "application/json": { schema: toJsonSchema(schema.body) } },
        };
      item[method.toLowerCase()] = operation;
    }
  }
  return paths;
}
