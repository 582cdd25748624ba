/**
 * Applying queued (not yet confirmed) mutations on top of server state in a live list, so a
 * snapshot, a refetch or a server event never hides a write the user made and the server has not
 * seen yet.
 */
import type { LiveListStore } from "../live-list";
import type { RowId } from "../types";
import type { QueuedMutation } from "./queue-storage";

/** The row a create puts in a list before the server answers. */
export function optimisticRow(m: QueuedMutation, idKey: string): Record<string, unknown> {
  return { ...m.data, [idKey]: m.rowId };
}

/** Applies one mutation to a store. */
export function applyMutation(store: LiveListStore<Record<string, unknown>>, m: QueuedMutation, idKey: string): void {
  if (m.op === "create") store.upsert(optimisticRow(m, idKey));
  else if (m.op === "delete") store.remove(m.rowId);
  else {
    const current = store.get(m.rowId);
    if (current) store.upsert({ ...current, ...m.data });
  }
}

/** Re-applies every pending mutation (of one row, when `rowId` is given) in order. */
export function applyPending(
  store: LiveListStore<Record<string, unknown>>,
  pending: readonly QueuedMutation[],
  idKey: string,
  rowId?: RowId,
): void {
  store.batch(() => {
    for (const m of pending) {
      if (rowId === undefined || String(m.rowId) === String(rowId)) applyMutation(store, m, idKey);
    }
  });
}

/** Undoes a refused mutation: a create disappears, an update or delete restores the row it saw. */
export function rollback(store: LiveListStore<Record<string, unknown>>, m: QueuedMutation): void {
  if (m.op === "create") store.remove(m.rowId);
  else if (m.base) store.upsert(m.base);
}

/** JSON equality of two field values (what the server sends is JSON). */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
