/**
 * A resource extension in one file: `GET /export.csv` on every resource it is given to, with the
 * list endpoint's filter, ordering, read scope and field masking, and a per-resource option
 * `csvExport` declared by the extension itself. See docs/extensions.md.
 */
import type { Table } from "drizzle-orm";
import { ProblemError, type ResourceExtension } from "../../src";

/** Per-resource options: which fields become columns (default: every readable one), or false. */
export interface CsvExportOptions {
  fields?: string[];
}

declare module "../../src" {
  interface ResourceExtensionConfig<TTable extends Table> {
    /** `GET /export.csv` (on by default where the extension is installed; false removes it). */
    csvExport?: CsvExportOptions | false;
  }
}

/** Most rows one export reads. */
const MAX_ROWS = 10_000;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = value instanceof Date ? value.toISOString() : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The csvExport extension: one CSV of the rows the caller may read, filtered and ordered like the list. */
export function csvExport(): ResourceExtension {
  return {
    name: "csvExport",
    problems: ["invalid-parameter"],
    init(resource) {
      const options = resource.config.csvExport;
      for (const field of options === false ? [] : (options?.fields ?? [])) {
        // Refused when the app starts, not on the first request.
        if (!resource.info.readable.has(field))
          throw new TypeError(`csvExport.fields names '${field}', which is not a readable column of ${resource.name}`);
      }
    },
    mount(router, resource) {
      const options = resource.config.csvExport;
      if (options === false) return;
      const fields = options?.fields ?? [...resource.info.readable];
      router.get("/export.csv", async (c) => {
        const access = await resource.readAccess(c);
        const query = resource.parseList(c.req.query(), { defaultLimit: MAX_ROWS, maxLimit: MAX_ROWS });
        if (query.select !== null)
          throw new ProblemError("invalid-parameter", {
            detail: "export.csv takes no 'select'; configure csvExport.fields",
          });
        const ctx = resource.hookContext(c, "list", access.user);
        await resource.beforeList(ctx);
        const page = await resource.selectPage(query, access);
        const rows = await resource.afterList(ctx, await resource.present(page.rows, ctx));
        const lines = [fields.join(","), ...rows.map((row) => fields.map((field) => csvCell(row[field])).join(","))];
        return c.body(`${lines.join("\r\n")}\r\n`, 200, { "content-type": "text/csv; charset=utf-8" });
      });
    },
    openapi: (resource, base, shared) =>
      resource.config.csvExport === false
        ? {}
        : {
            [`${base}/export.csv`]: {
              get: {
                tags: shared.tags,
                operationId: `exportCsv${shared.name}`,
                description: "The rows the caller may read as CSV, filtered and ordered like the list endpoint.",
                responses: {
                  "200": { description: "CSV", content: { "text/csv": { schema: { type: "string" } } } },
                  ...shared.errors,
                },
              },
            },
          },
  };
}
