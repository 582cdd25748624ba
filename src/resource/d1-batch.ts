/**
 * Atomic writes on D1, which refuses `BEGIN`: the planned writes go as one `db.batch()`, which D1
 * runs as a single SQLite transaction, all or nothing. What an interactive transaction does
 * between statements happens inside the batch, in SQL:
 *
 * - A write that must match a row (an update or delete whose row changed meanwhile) is followed by
 *   a guard that fails the batch when `changes()` is 0.
 * - A create or update scope is checked on the row as stored by a guard that fails the batch
 *   when the row, read back, lies outside the scope's SQL condition.
 * - A nested child's foreign key comes from its parent's row: a literal when the parent's value is
 *   known before the batch (sent by the client, or a key generated in JS by `$defaultFn`, which is
 *   generated here first), otherwise read back inside the batch. A rowid table gives each new row
 *   the largest rowid, so the parent is the row `OFFSET m` from the top, m being the later inserts
 *   into the same table. A later insert with an explicit integer key could break that count, so
 *   such a tree is refused with a 501 problem instead of being guessed at.
 *
 * A guard fails the batch by raising a SQLite error whose text carries a marker (a JSON path that
 * `json_extract` rejects, quoting it), so the failure maps back to the write that caused it.
 * Companion rows (a search outbox) are computed in JS from the written row, which a batch cannot
 * do between statements: those writes are refused with a 501 problem.
 */
import { getTableColumns, sql, type Column, type SQL, type Table } from "drizzle-orm";
import { mapDatabaseError } from "../kernel/db-errors";
import { driverOf } from "../kernel/dialect";
import { assumeType } from "../kernel/erased";
import { ProblemError } from "../kernel/errors";
import { companionsOf } from "./companion-writes";
import { byId } from "./queries";
import type { TableInfo } from "./table-info";
import { transactionsUnsupported } from "./transaction";
import type { PlannedWrite, StoredRowCheck, WriteLink } from "./write-plan";
import "./problems";

type Row = Record<string, unknown>;

/** A statement Drizzle's D1 batch accepts. */
type Statement = PromiseLike<unknown>;

/** The builders of a Drizzle D1 database, as this file uses them. */
interface D1Builders {
  batch(statements: Statement[]): Promise<unknown[]>;
  select(fields: Record<string, SQL>): { from(source: SQL): Statement };
  insert(table: Table): { values(values: Row): { returning(): Statement } };
  update(table: Table): { set(values: Row): { where(where: SQL): { returning(): Statement } } };
  delete(table: Table): { where(where: SQL): { returning(): Statement } };
}

const MARKER = "covara-abort";
const MARKED = new RegExp(`${MARKER}:(missing|scope):(\\d+)`);

/**
 * A statement that fails the batch, naming the write, when `failWhen` holds. A select builder, not
 * `db.all(sql)`: Drizzle's D1 batch cannot bind the parameters of a raw query.
 */
function guard(db: D1Builders, failWhen: SQL, reason: "missing" | "scope", index: number): Statement {
  const path = `${MARKER}:${reason}:${index}`;
  return db.select({ guard: sql`case when ${failWhen} then json_extract('{}', ${path}) end` }).from(sql`(select 1)`);
}

/** Whether a column is SQLite's rowid alias (`integer primary key`), which an explicit value sets. */
function isRowidAlias(column: Column): boolean {
  return column.primary && column.getSQLType() === "integer";
}

function explicitRowid(table: Table, values: Row): boolean {
  return Object.entries(getTableColumns(table)).some(
    ([key, column]) => isRowidAlias(column) && values[key] !== undefined,
  );
}

function nestedUnsupported(detail: string): ProblemError {
  return new ProblemError("nested-write-unsupported", { detail, extensions: { driver: "d1" } });
}

/** Values of each insert, with the keys later writes refer to generated now where the schema generates them in JS. */
function pregeneratedValues(
  writes: readonly PlannedWrite[],
  tableOf: (write: PlannedWrite) => Table,
): (Row | undefined)[] {
  const values = writes.map((write) => (write.kind === "insert" ? { ...write.values } : undefined));
  for (const write of writes) {
    if (write.kind !== "insert") continue;
    for (const link of write.links ?? []) {
      const parent = values[link.index];
      const column = getTableColumns(tableOf(writes[link.index]!))[link.from];
      if (parent && parent[link.from] === undefined && column?.defaultFn) parent[link.from] = column.defaultFn();
    }
  }
  return values;
}

/** SQL giving the value `link` reads, as seen by write `at` of the batch. */
function linkedValue(
  writes: readonly PlannedWrite[],
  values: readonly (Row | undefined)[],
  tableOf: (write: PlannedWrite) => Table,
  link: WriteLink,
  at: number,
): unknown {
  const parentValues = values[link.index]!;
  if (parentValues[link.from] !== undefined) return parentValues[link.from];
  const table = tableOf(writes[link.index]!);
  const columns = getTableColumns(table);
  const column = columns[link.from]!;
  // The parent was given its integer key: find it by that key.
  const key = Object.entries(columns).find(
    ([name, candidate]) => isRowidAlias(candidate) && parentValues[name] !== undefined,
  );
  if (key) return sql`(select ${column} from ${table} where ${key[1]} = ${parentValues[key[0]]})`;
  let later = 0;
  for (let i = link.index + 1; i < at; i++) {
    const write = writes[i]!;
    if (write.kind !== "insert" || tableOf(write) !== table) continue;
    if (explicitRowid(table, values[i]!)) {
      throw nestedUnsupported(
        "On D1 a nested write runs as one batch, and this one gives an explicit integer key to a row of the same table as a parent whose key the database generates; send the parent's key too, or create the rows in separate requests",
      );
    }
    later++;
  }
  return sql`(select ${column} from ${table} order by rowid desc limit 1 offset ${later})`;
}

/** Where the stored row of `write` is, right after its statement ran. */
function storedRow(write: PlannedWrite, check: StoredRowCheck): SQL {
  if (write.kind === "update") return byId(check.info, write.id);
  return sql`rowid = last_insert_rowid()`;
}

/** The batch failure a guard raised: which write, and why; undefined for any other error. */
function markedFailure(error: unknown): { reason: string; index: number } | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const match = MARKED.exec(current.message);
    if (match) return { reason: match[1]!, index: Number(match[2]) };
    current = current.cause;
  }
  return undefined;
}

/** Runs the writes as one D1 batch and returns the row each one returned. */
export async function runAsD1Batch(info: TableInfo, writes: PlannedWrite[]): Promise<Row[]> {
  const tableOf = (write: PlannedWrite) => write.table ?? info.table;
  // A companion's rows (a search outbox) are computed from the written row, between statements.
  if (writes.some((write) => companionsOf(tableOf(write), info.db).length > 0)) {
    throw transactionsUnsupported(driverOf(info.db), "A write to a table whose search index keeps an outbox");
  }
  // Both dialects' databases have these builders; the union type has none callable.
  const db = assumeType<D1Builders>(info.db);
  const values = pregeneratedValues(writes, tableOf);
  const statements: Statement[] = [];
  const positions: number[] = [];
  for (const [index, write] of writes.entries()) {
    const table = tableOf(write);
    positions.push(statements.length);
    if (write.kind === "insert") {
      const row = values[index]!;
      for (const link of write.links ?? []) row[link.key] = linkedValue(writes, values, tableOf, link, index);
      statements.push(db.insert(table).values(row).returning());
    } else {
      statements.push(
        write.kind === "update"
          ? db.update(table).set(write.values).where(write.where).returning()
          : db.delete(table).where(write.where).returning(),
      );
      statements.push(guard(db, sql`changes() = 0`, "missing", index));
    }
    const check = write.kind === "delete" ? undefined : write.check;
    if (check?.where) {
      const inside = sql`exists (select 1 from ${check.info.table} where ${storedRow(write, check)} and ${check.where})`;
      statements.push(guard(db, sql`not ${inside}`, "scope", index));
    }
  }
  let results: unknown[];
  try {
    results = await db.batch(statements);
  } catch (error) {
    const failure = markedFailure(error);
    const write = failure ? writes[failure.index] : undefined;
    if (!failure || !write) throw mapDatabaseError(error, info.name);
    if (failure.reason === "scope" && write.kind !== "delete" && write.check) throw write.check.refusal();
    if (write.kind !== "insert") throw await write.onMissing();
    throw mapDatabaseError(error, info.name);
  }
  return positions.map((position) => assumeType<Row[]>(results[position])[0]!);
}
