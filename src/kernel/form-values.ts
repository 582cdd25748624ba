/**
 * A form post as the JSON body the resource's endpoints take. HTML forms send strings; each value
 * is turned into its column's type (`"on"`/`"true"` → true, `"42"` → 42) so the resource's own
 * validation decides, with its own messages. A value that cannot be converted is passed as sent,
 * and validation names the field. A field sent several times keeps its last value, so a hidden
 * `false` before a checkbox of the same name gives an unchecked box a value.
 */
import type { Column } from "drizzle-orm";
import type { Context } from "hono";
import { DEFAULT_MAX_BODY_BYTES, readBoundedText, readJsonObject } from "./body";
import { ProblemError } from "./errors";
import type { CovaraEnv } from "./http";

const TRUE_TEXTS = new Set(["true", "on", "1", "yes"]);
const FALSE_TEXTS = new Set(["false", "off", "0", "no", ""]);

/** One form value in its column's type, or the text itself when it is not one. */
export function coerceFormValue(column: Column | undefined, text: string): unknown {
  if (column === undefined) return text;
  if (text === "" && !column.notNull) return null;
  switch (column.dataType) {
    case "boolean": {
      const lower = text.toLowerCase();
      if (TRUE_TEXTS.has(lower)) return true;
      if (FALSE_TEXTS.has(lower)) return false;
      return text;
    }
    case "number": {
      const value = Number(text);
      return text.trim() !== "" && Number.isFinite(value) ? value : text;
    }
    case "json":
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/** Form fields (`name=value` pairs, in order) as a JSON object in the columns' types. */
export function formToJson(
  pairs: Iterable<[string, string]>,
  columns: Readonly<Record<string, Column>>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, text] of pairs) {
    values[name] = coerceFormValue(Object.hasOwn(columns, name) ? columns[name] : undefined, text);
  }
  return values;
}

/** The request's body as the resource's JSON: a url-encoded form (htmx's default) or JSON as is; other types are a 415. */
export async function readFormValues(
  c: Context<CovaraEnv>,
  columns: Readonly<Record<string, Column>>,
): Promise<Record<string, unknown>> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") return readJsonObject(c);
  if (type === "application/x-www-form-urlencoded" || (type === "" && c.req.raw.body === null)) {
    const text = await readBoundedText(c.req.raw, DEFAULT_MAX_BODY_BYTES);
    return formToJson(new URLSearchParams(text), columns);
  }
  throw new ProblemError("unsupported-media-type", {
    detail: "Send the form as application/x-www-form-urlencoded (htmx's default) or application/json",
  });
}
