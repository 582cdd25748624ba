/**
 * JSON Schema (the subset covara's OpenAPI document uses: objects, arrays, enums, const, unions,
 * nullable types, $ref to components) written as TypeScript type text, for the client types
 * generator.
 */

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  nullable?: boolean;
  [key: string]: unknown;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as TypeScript needs it (quoted unless it is an identifier). */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** The name a `#/components/schemas/X` reference points at. */
export function refName(ref: string): string {
  const name = ref.split("/").pop() ?? "Unknown";
  return name.replace(/[^A-Za-z0-9_$]/g, "_");
}

function scalar(type: string, schema: JsonSchema, indent: string): string {
  switch (type) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
      return schema.items ? `Array<${schemaToTs(schema.items, indent)}>` : "unknown[]";
    case "object":
      return objectType(schema, indent);
    default:
      return "unknown";
  }
}

function objectType(schema: JsonSchema, indent: string): string {
  const properties = Object.entries(schema.properties ?? {});
  const extra = schema.additionalProperties;
  if (properties.length === 0) {
    if (extra === false) return "Record<string, never>";
    return `Record<string, ${typeof extra === "object" ? schemaToTs(extra, indent) : "unknown"}>`;
  }
  const required = new Set(schema.required ?? []);
  const inner = `${indent}  `;
  const lines = properties.map(
    ([name, prop]) => `${inner}${propertyKey(name)}${required.has(name) ? "" : "?"}: ${schemaToTs(prop, inner)};`,
  );
  if (extra && typeof extra === "object") lines.push(`${inner}[key: string]: ${schemaToTs(extra, inner)} | undefined;`);
  return `{\n${lines.join("\n")}\n${indent}}`;
}

/** The TypeScript type of a schema (`indent` is the current indentation, for nested objects). */
export function schemaToTs(schema: JsonSchema | undefined, indent = ""): string {
  if (!schema || typeof schema !== "object") return "unknown";
  if (schema.$ref) return refName(schema.$ref);
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(" | ") || "never";
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map((member) => schemaToTs(member, indent)).join(" | ") || "never";
  if (schema.allOf) return schema.allOf.map((member) => schemaToTs(member, indent)).join(" & ") || "unknown";
  const types = Array.isArray(schema.type)
    ? schema.type
    : schema.type
      ? [schema.type]
      : schema.properties
        ? ["object"]
        : [];
  if (types.length === 0) return "unknown";
  const written = types.map((type) => scalar(type, schema, indent));
  if (schema.nullable && !types.includes("null")) written.push("null");
  return written.join(" | ");
}
