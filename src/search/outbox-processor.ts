/**
 * The read side of the search outbox: takes a resource's entries oldest first, brings the index in
 * line with each row's current state (indexed when live, removed when gone), and only then deletes
 * the entries it handled. A crash or an index failure anywhere leaves the entries in place for the
 * next round: delivery is at least once, and repeating it is harmless.
 *
 * When a batch fails, its rows are retried one by one so that a single document the index keeps
 * rejecting does not hold back the others; its entries stay (and are reported) until it succeeds.
 * When no row of a batch succeeds, the index is taken to be down and the round stops there.
 */
import { and, asc, eq, gt, inArray } from "drizzle-orm";
import { ensureOutboxTable, type OutboxTable } from "./outbox-table";
import { selectFrom } from "./sql";
import { syncRows, type SyncContext } from "./sync";
import { assumeType } from "../kernel/erased";

export interface OutboxDrain extends SyncContext {
  outbox: OutboxTable;
  batchSize: number;
}

interface Entry {
  id: number;
  rowId: string;
}

interface DeleteBuilder {
  delete(table: OutboxTable["table"]): { where(where: ReturnType<typeof inArray>): PromiseLike<unknown> };
}

/** Syncs a batch's rows; returns the entries handled and the first failure, if any. */
async function syncEntries(drain: OutboxDrain, entries: Entry[]): Promise<{ done: number[]; failure?: unknown }> {
  try {
    await syncRows(
      drain,
      entries.map((entry) => entry.rowId),
    );
    return { done: entries.map((entry) => entry.id) };
  } catch (error) {
    const byRow = new Map<string, number[]>();
    for (const entry of entries) byRow.set(entry.rowId, [...(byRow.get(entry.rowId) ?? []), entry.id]);
    if (byRow.size === 1) return { done: [], failure: error };
    const done: number[] = [];
    for (const [rowId, ids] of byRow) {
      try {
        await syncRows(drain, [rowId]);
        done.push(...ids);
      } catch {
        // Kept for a later round; the batch's error is the one reported.
      }
    }
    return { done, failure: error };
  }
}

/**
 * Applies a resource's outbox entries to its index, oldest first, until none are left; returns how
 * many it handled. Rejects with the first failure once it has done what it could.
 */
export async function drainOutbox(drain: OutboxDrain): Promise<number> {
  const { outbox, batchSize } = drain;
  const { info } = drain.resource;
  const table = outbox.table;
  await ensureOutboxTable(info.db, outbox);
  let handled = 0;
  let after = 0;
  let failure: unknown;
  for (;;) {
    const rows = await selectFrom(info.db, { id: table.id, rowId: table.rowId }, table)
      .where(and(eq(table.resource, info.name), gt(table.id, after)))
      .orderBy(asc(table.id))
      .limit(batchSize);
    if (rows.length === 0) break;
    const entries = rows.map((row) => ({ id: Number(row.id), rowId: String(row.rowId) }));
    after = entries[entries.length - 1]!.id;
    const result = await syncEntries(drain, entries);
    // Entries written after the select stay for the next round, even for the same row.
    if (result.done.length > 0)
      await assumeType<DeleteBuilder>(info.db).delete(table).where(inArray(table.id, result.done));
    handled += result.done.length;
    if (result.failure !== undefined) {
      failure ??= result.failure;
      if (result.done.length === 0) break;
    }
    // A short batch was the end of the outbox when selected; a write committed since then has
    // asked for a round of its own, which starts after this one.
    if (rows.length < batchSize) break;
  }
  if (failure !== undefined) throw failure;
  return handled;
}
