/**
 * The shape of an atomic write as the handlers plan it and the runners (atomic.ts for interactive
 * transactions, d1-batch.ts for D1's batch) execute it. Types only.
 */
import type { SQL, Table } from "drizzle-orm";
import type { TableInfo } from "./table-info";

type Row = Record<string, unknown>;

/**
 * A scope's check of a written row as stored; throwing a problem rolls the whole transaction
 * back. `info` is the written table's (the row is read back by its id). `where` is the same scope
 * as SQL, for drivers that check inside a non-interactive batch (D1); `refusal` is the problem
 * either way answers with.
 */
export interface StoredRowCheck {
  info: TableInfo;
  check(stored: Row): void;
  where: SQL | undefined;
  refusal(): Error;
}

/** A column of an insert filled from the row an earlier write of the same transaction returned. */
export interface WriteLink {
  /** Column of this row to fill. */
  key: string;
  /** Index of the write whose returned row holds the value, and the key to read there. */
  index: number;
  from: string;
}

/**
 * One write of a transaction; `table` defaults to the resource's own table. An insert's `links`
 * fill columns from the rows earlier writes returned (a nested child needs its parent's new id).
 * An update names the `id` of the row it changes, so its stored row can be found again.
 */
export type PlannedWrite = { table?: Table } & (
  | {
      kind: "insert";
      values: Row;
      links?: readonly WriteLink[];
      /** How the create scope sees the real row (defaults, generated keys, foreign keys, triggers). */
      check?: StoredRowCheck;
    }
  | {
      kind: "update";
      id: unknown;
      values: Row;
      where: SQL;
      onMissing: () => Promise<Error> | Error;
      check?: StoredRowCheck;
    }
  | { kind: "delete"; where: SQL; onMissing: () => Promise<Error> | Error }
);
