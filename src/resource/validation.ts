/**
 * Zod schemas derived from a table's columns. Create requires every non-null column without a
 * default; update accepts any subset. Dates accept ISO strings and epoch milliseconds.
 */
import type { Column } from "drizzle-orm";
import { z } from "zod";
import { ProblemError, type ValidationIssue } from "../kernel/errors";
import type { TableInfo } from "./table-info";
import { assumeType } from "../kernel/erased";

const MAX_TEXT = 1_000_000;

const dateValue = z.union([z.date(), z.string().max(64), z.number()]).transform((value, ctx) => {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: "custom", message: "Invalid date" });
    return z.NEVER;
  }
  return date;
});

const bigintValue = z
  .union([z.bigint(), z.number().int(), z.string().regex(/^-?\d{1,19}$/)])
  .transform((value) => BigInt(value));

/** Whether a numeric column holds integers (so JSON numbers must be whole). */
export function isIntegerColumn(column: Column): boolean {
  return /Int|Serial/i.test(column.columnType) && !/Float|Real|Double|Numeric|Decimal/i.test(column.columnType);
}

/** The schema of one column's value, ignoring nullability. */
function columnValueSchema(column: Column): z.ZodType {
  const { dataType } = column;
  if (dataType === "number") return isIntegerColumn(column) ? z.number().int() : z.number();
  if (dataType === "bigint") return bigintValue;
  if (dataType === "boolean") return z.boolean();
  if (dataType === "date") return dateValue;
  if (dataType === "string") {
    const enumValues = (column as { enumValues?: string[] }).enumValues;
    if (enumValues && enumValues.length > 0) return z.enum(enumValues as [string, ...string[]]);
    const length = (column as { length?: number }).length;
    return z.string().max(typeof length === "number" && length > 0 ? length : MAX_TEXT);
  }
  if (dataType === "array") return z.array(z.unknown());
  return z.unknown();
}

/** Whether a create body may leave the column out. */
export function isOptionalOnCreate(key: string, column: Column, info: TableInfo): boolean {
  if (!column.notNull || column.hasDefault || info.generated.has(key)) return true;
  // Integer primary keys are assigned by the database (rowid, serial, identity).
  return column.primary && column.dataType === "number";
}

export interface RowSchemas {
  create: z.ZodType<Record<string, unknown>>;
  update: z.ZodType<Record<string, unknown>>;
}

/** Builds the create and update schemas of a table. */
export function buildRowSchemas(info: TableInfo): RowSchemas {
  const create: Record<string, z.ZodType> = {};
  const update: Record<string, z.ZodType> = {};
  for (const [key, column] of Object.entries(info.columns)) {
    const value = column.notNull ? columnValueSchema(column) : columnValueSchema(column).nullable();
    create[key] = isOptionalOnCreate(key, column, info) ? value.optional() : value;
    update[key] = value.optional();
  }
  // The objects' shapes are built key by key at run time, so Zod cannot infer them; they parse into plain records.
  return {
    create: assumeType<z.ZodType<Record<string, unknown>>>(z.object(create)),
    update: assumeType<z.ZodType<Record<string, unknown>>>(z.object(update)),
  };
}

/** Validates data, returning the parsed value or throwing `validation-error` with every issue. */
export function validateRow(
  schema: z.ZodType<Record<string, unknown>>,
  data: Record<string, unknown>,
): Record<string, unknown> {
  const result = schema.safeParse(data);
  if (result.success) {
    // Zod turns absent optional keys into nothing, but explicit `undefined` would reach the SQL.
    for (const key of Object.keys(result.data)) if (result.data[key] === undefined) delete result.data[key];
    return result.data;
  }
  const errors: ValidationIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
    code: issue.code,
  }));
  const first = errors[0]!;
  throw new ProblemError("validation-error", {
    detail: errors.length === 1 ? `${first.path}: ${first.message}` : `${errors.length} fields are invalid`,
    extensions: { errors },
  });
}
