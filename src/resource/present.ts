/**
 * Turns stored rows into response rows: readable-field masking, the `select` projection, then
 * computed fields. Every response path goes through here, so none can skip a step.
 */
import type { Table } from "drizzle-orm";
import { maskRow } from "./rows";
import type { ResourceRuntime } from "./runtime";
import type { HookContext, SelectRow } from "./types";

type Row = Record<string, unknown>;

/** Masks, projects and adds computed fields to each row (computed functions see the stored row). */
export async function presentRows<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  rows: Row[],
  ctx: HookContext<TTable>,
  select: readonly string[] | null = null,
): Promise<Row[]> {
  const computed = Object.entries(runtime.config.computed ?? {}).filter(
    ([name]) => select === null || select.includes(name),
  );
  if (computed.length === 0) return rows.map((row) => maskRow(row, runtime.info, select));
  return Promise.all(
    rows.map(async (row) => {
      const out = maskRow(row, runtime.info, select);
      for (const [name, compute] of computed) out[name] = await compute(row as SelectRow<TTable>, ctx);
      return out;
    }),
  );
}

/** presentRows for one row. */
export async function presentRow<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  row: Row,
  ctx: HookContext<TTable>,
  select: readonly string[] | null = null,
): Promise<Row> {
  return (await presentRows(runtime, [row], ctx, select))[0]!;
}
