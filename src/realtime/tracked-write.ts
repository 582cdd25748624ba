/**
 * One insert, update or delete on a tracked table, wrapped so that running it also records what it
 * wrote. Which rows were written is learned, in order of preference, from:
 *  - `.returning()` (every column): the rows themselves, no extra query;
 *  - update/delete otherwise: the rows matching the WHERE clause, read just before the write
 *    (delete) or read before and re-read by id after it (update);
 *  - insert otherwise: ids from `.returning({ id })`, from the inserted values, or SQLite's
 *    lastInsertRowid for a one-row insert, re-read after the write.
 * Re-reads run on the same connection (inside the same transaction) as the write. The pipeline
 * stays synchronous for better-sqlite3's `.run()/.all()/.get()/.values()`.
 */
import { inArray, type Column, type SQL, type Table } from "drizzle-orm";
import { awaitThrough, chained, PROMISE_METHODS, READ_EXECUTORS } from "./builder-proxy";
import type { Mutation, MutationOp } from "../kernel/mutations";

type Row = Record<string, unknown>;
type MaybePromise<T> = T | Promise<T>;

/** A table the tracked db publishes writes of. */
export interface TrackedTable {
  name: string;
  table: Table;
  idKey: string;
  idColumn: Column;
}

/** Where a write runs (the db or a transaction) and where its mutations go. */
export interface WriteScope {
  /** The unwrapped db or transaction: re-reads use it, so they are neither cached nor tracked. */
  db: object;
  /** better-sqlite3: queries run synchronously. */
  sync: boolean;
  /** The database mutations name (the untracked base db). */
  base: object;
  /** Publishes (or, in a transaction, holds) mutations; `wait` false fires and forgets. */
  record(mutations: Mutation[], wait: boolean): MaybePromise<void>;
  /** Reports an insert whose ids cannot be known (once per table). */
  cannotTrack(table: TrackedTable, why: string): void;
}

export interface WriteState {
  kind: "insert" | "update" | "delete";
  tracked: TrackedTable;
  /** Insert: `.values()` or `.select()` was called (the builder method, not SQLite's executor). */
  sourceGiven: boolean;
  values: Row[] | null;
  where: SQL | undefined;
  returning: "all" | Record<string, unknown> | null;
  upsert: boolean;
}

// Writes also run through better-sqlite3's `run`.
const EXECUTORS = new Set([...READ_EXECUTORS, "run"]);
const ID_CHUNK = 500;

interface SelectSource {
  select(fields?: Record<string, Column>): { from(table: Table): { where(where: SQL | undefined): Query } };
}
interface Query extends PromiseLike<Row[]> {
  all(): MaybePromise<Row[]>;
}

function chain<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

function runQuery(scope: WriteScope, query: Query): MaybePromise<Row[]> {
  return scope.sync ? query.all() : Promise.resolve(query);
}

function selectWhere(
  scope: WriteScope,
  tracked: TrackedTable,
  where: SQL | undefined,
  idsOnly: boolean,
): MaybePromise<Row[]> {
  const source = scope.db as SelectSource;
  const fields = idsOnly ? { [tracked.idKey]: tracked.idColumn } : undefined;
  return runQuery(scope, source.select(fields).from(tracked.table).where(where));
}

function readByIds(scope: WriteScope, tracked: TrackedTable, ids: unknown[]): MaybePromise<Row[]> {
  const unique = [...new Set(ids.filter((id) => id !== null && id !== undefined))];
  const rows: Row[] = [];
  const chunks: unknown[][] = [];
  for (let i = 0; i < unique.length; i += ID_CHUNK) chunks.push(unique.slice(i, i + ID_CHUNK));
  const next = (i: number): MaybePromise<Row[]> => {
    if (i >= chunks.length) return rows;
    return chain(selectWhere(scope, tracked, inArray(tracked.idColumn, chunks[i]!), false), (found) => {
      rows.push(...found);
      return next(i + 1);
    });
  };
  return next(0);
}

/** Whether this execution hands back the full written rows. */
function returnsRows(state: WriteState, method: string): boolean {
  return state.returning === "all" && method !== "run" && method !== "values";
}

function idKeyOf(fields: Record<string, unknown>, idColumn: Column): string | undefined {
  return Object.keys(fields).find((key) => fields[key] === idColumn);
}

/** The ids an insert wrote, when they can be known without asking the database. */
function insertedIds(state: WriteState, scope: WriteScope, method: string, result: unknown): unknown[] | null {
  const { tracked } = state;
  if (state.returning !== null && state.returning !== "all" && method !== "run" && method !== "values") {
    const key = idKeyOf(state.returning, tracked.idColumn);
    if (key !== undefined) {
      const rows = method === "get" ? (result ? [result as Row] : []) : (result as Row[]);
      return rows.map((row) => row[key]);
    }
  }
  if (
    state.values !== null &&
    state.values.length > 0 &&
    state.values.every((row) => row[tracked.idKey] !== undefined)
  ) {
    return state.values.map((row) => row[tracked.idKey]);
  }
  const rowid = (result as { lastInsertRowid?: unknown } | null)?.lastInsertRowid;
  const changes = result as { changes?: unknown; rowsAffected?: unknown } | null;
  const count = changes?.changes ?? changes?.rowsAffected;
  if (
    rowid !== undefined &&
    state.values?.length === 1 &&
    Number(count) === 1 &&
    tracked.idColumn.dataType === "number"
  ) {
    return [Number(rowid)];
  }
  scope.cannotTrack(tracked, "use .returning(), or give the id in the inserted values");
  return null;
}

function writtenRows(
  state: WriteState,
  scope: WriteScope,
  method: string,
  result: unknown,
  before: Row[] | null,
): MaybePromise<Row[]> {
  if (returnsRows(state, method)) {
    if (method === "get") return result ? [result as Row] : [];
    return Array.isArray(result) ? (result as Row[]) : [];
  }
  if (state.kind === "delete") return before ?? [];
  if (state.kind === "update")
    return readByIds(
      scope,
      state.tracked,
      (before ?? []).map((row) => row[state.tracked.idKey]),
    );
  const ids = insertedIds(state, scope, method, result);
  return ids === null ? [] : readByIds(scope, state.tracked, ids);
}

function opOf(state: WriteState): MutationOp {
  if (state.kind === "delete") return "delete";
  return state.kind === "update" || state.upsert ? "update" : "create";
}

/** Runs the write through `call`, learns the written rows, records them, and returns the result. */
function runTracked(state: WriteState, scope: WriteScope, method: string, call: () => unknown, wait: boolean): unknown {
  const needsBefore = state.kind !== "insert" && !returnsRows(state, method);
  const before = needsBefore ? selectWhere(scope, state.tracked, state.where, state.kind === "update") : null;
  return chain(before, (rowsBefore) =>
    chain(call() as MaybePromise<unknown>, (result) =>
      chain(writtenRows(state, scope, method, result, rowsBefore), (rows) => {
        const op = opOf(state);
        const mutations: Mutation[] = rows.map((row) => ({
          resource: state.tracked.name,
          op,
          id: row[state.tracked.idKey] as string | number,
          row,
          db: scope.base,
        }));
        return chain(mutations.length > 0 ? scope.record(mutations, wait) : undefined, () => result);
      }),
    ),
  );
}

function executor(target: Record<string, unknown>, method: string, state: WriteState, scope: WriteScope) {
  const original = target[method] as (...args: unknown[]) => unknown;
  // Awaiting the builder: run it as drizzle's own `then` would (through execute), tracked.
  if (PROMISE_METHODS.has(method))
    return awaitThrough(target, method, (execute) => runTracked(state, scope, "execute", execute, true));
  // better-sqlite3 answers run/all/get/values synchronously; the publish then happens in the background.
  const wait = !(scope.sync && method !== "execute");
  return (...args: unknown[]) => runTracked(state, scope, method, () => original.apply(target, args), wait);
}

function isBuilder(value: unknown): value is object {
  return (
    typeof value === "object" &&
    value !== null &&
    (typeof (value as { toSQL?: unknown }).toSQL === "function" ||
      typeof (value as { set?: unknown }).set === "function")
  );
}

/** Wraps a write builder of a tracked table so that executing it records the written rows. */
export function trackWrite<T extends object>(builder: T, state: WriteState, scope: WriteScope): T {
  const proxy: T = new Proxy(builder, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof prop !== "string" || typeof value !== "function") return value;
      const fn = value as (...args: unknown[]) => unknown;
      const self = target as Record<string, unknown>;
      if (state.kind === "insert" && !state.sourceGiven && (prop === "values" || prop === "select")) {
        return (...args: unknown[]) => {
          state.sourceGiven = true;
          state.values = prop === "values" ? (Array.isArray(args[0]) ? (args[0] as Row[]) : [args[0] as Row]) : null;
          return trackWrite(fn.apply(target, args) as object, state, scope);
        };
      }
      if (prop === "where") {
        return (where: SQL | undefined) => {
          state.where = where;
          fn.call(target, where);
          return proxy;
        };
      }
      if (prop === "returning") {
        return (...args: unknown[]) => {
          state.returning = args[0] === undefined ? "all" : (args[0] as Record<string, unknown>);
          fn.apply(target, args[0] === undefined ? [] : args);
          return proxy;
        };
      }
      if (prop === "prepare") {
        return () => {
          throw new TypeError(
            `covara: prepared writes on the tracked table '${state.tracked.name}' would bypass mutation tracking; run the builder directly, or call recordExternalMutation after the write`,
          );
        };
      }
      if (EXECUTORS.has(prop) && typeof self.toSQL === "function") return executor(self, prop, state, scope);
      if (prop === "onConflictDoUpdate") state.upsert = true;
      return chained(fn, target, proxy, isBuilder, (next) => trackWrite(next, state, scope));
    },
  });
  return proxy;
}
