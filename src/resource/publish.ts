/**
 * Publishes a resource's committed writes to the kernel's mutation feed.
 */
import { publishMutations, type MutationOp } from "../kernel/mutations";
import type { TableInfo } from "./table-info";

type Row = Record<string, unknown>;

/**
 * Announces rows written to `info`'s table by one request, after the transaction committed.
 * `op` is one operation for every row, or one per row (an upsert mixes creates and updates).
 */
export function publishRows(info: TableInfo, op: MutationOp | readonly MutationOp[], rows: readonly Row[]): Promise<void> {
  return publishMutations(
    rows.map((row, i) => ({
      resource: info.name,
      op: typeof op === "string" ? op : op[i]!,
      id: row[info.idKey] as string | number,
      row,
      db: info.db,
    })),
  );
}
