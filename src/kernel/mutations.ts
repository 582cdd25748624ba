/**
 * The mutation feed: every committed write — generated endpoints, batch and nested writes, a
 * tracked db, external writers — is published here once, and realtime, caches and search indexes
 * listen. Listeners run after the write committed, so a failing listener is reported, never
 * turned into a failed request.
 */

import { defaultLogger, routeDefaultErrors } from "./context";

export type MutationOp = "create" | "update" | "delete";

export interface Mutation {
  /** Resource name (the table name unless the resource was given another). */
  resource: string;
  op: MutationOp;
  /** Primary key of the written row. */
  id: string | number;
  /** The stored row after the write; for a delete, the row as it was. Absent for external writes. */
  row?: Record<string, unknown>;
  /** The database handle the write went through; lets listeners tell apart apps sharing a process. */
  db?: unknown;
}

export type MutationListener = (mutations: readonly Mutation[]) => void | Promise<void>;

const listeners = new Set<MutationListener>();
const reportListenerError = (error: unknown): void => defaultLogger().error("covara: a mutation listener failed", error, { source: "mutation-listener" });

/** Registers a listener for every published mutation; returns the function that removes it. */
export function onMutations(listener: MutationListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Replaces how listener failures are reported (they never fail the write that caused them).
 * @deprecated Use the default context's logger: these arrive at `error` with `meta.source === "mutation-listener"`.
 */
export function setMutationErrorReporter(reporter: (error: unknown) => void): void {
  routeDefaultErrors("mutation-listener", (error) => reporter(error));
}

/** Publishes committed mutations to every listener, in order, waiting for each. */
export async function publishMutations(mutations: readonly Mutation[]): Promise<void> {
  if (mutations.length === 0 || listeners.size === 0) return;
  for (const listener of [...listeners]) {
    try {
      await listener(mutations);
    } catch (error) {
      reportListenerError(error);
    }
  }
}
