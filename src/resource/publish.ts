/**
 * Publishes a resource's committed writes to its app's mutation feed.
 */
import type { MutationOp } from "../kernel/mutations";
import type { AnyRuntime } from "./runtime-types";

type Row = Record<string, unknown>;

/**
 * Announces rows written to `info`'s table by one request, after the transaction committed.
 * `op` is one operation for every row, or one per row (an upsert mixes creates and updates).
 */
export function publishRows(
  runtime: AnyRuntime,
  op: MutationOp | readonly MutationOp[],
  rows: readonly Row[],
): Promise<void> {
  const { info } = runtime;
  return runtime.app.mutations.publish(
    rows.map((row, i) => ({
      resource: info.name,
      op: typeof op === "string" ? op : op[i]!,
      id: row[info.idKey] as string | number,
      row,
      db: info.db,
    })),
  );
}
