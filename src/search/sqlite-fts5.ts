/**
 * SQLite FTS5: an external-content FTS5 table over the searched columns, kept current by triggers
 * on the resource's table (so every write, from any writer, updates it in its own transaction),
 * ranked by bm25. Works on any SQLite with FTS5: better-sqlite3, libsql, D1.
 */
import { and, asc, getTableName, sql, type SQL } from "drizzle-orm";
import { integer, sqliteTable } from "drizzle-orm/sqlite-core";
import { executeStatement, queryRows, quoteIdentifier, quoteLiteral, SCORE_KEY, selectFrom, splitScore } from "./sql";
import type { DatabaseSearchIndex, DatabaseSearchRequest, ScoredRow, SearchAdapter, SearchTarget } from "./types";

export interface SqliteFts5Options {
  /** Name of the FTS5 table (default `<table>_fts`). */
  table?: string;
  /** FTS5 tokenizer (default `porter unicode61 remove_diacritics 2`: English stemming, accents folded). */
  tokenize?: string;
}

const DEFAULT_TOKENIZER = "porter unicode61 remove_diacritics 2";

/** A term as an FTS5 string: its own words only, never operators or column filters. */
function quoteTerm(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}

class SqliteFts5Index implements DatabaseSearchIndex {
  readonly location = "database";
  private readonly ftsName: string;
  /** The FTS table as Drizzle sees it: only its rowid, for the join. */
  private readonly ftsTable;
  private readonly create: string;
  private readonly triggers: { name: string; body: string }[];

  constructor(
    private readonly target: SearchTarget,
    options: SqliteFts5Options,
  ) {
    const content = getTableName(target.table);
    this.ftsName = options.table ?? `${content}_fts`;
    this.ftsTable = sqliteTable(this.ftsName, { rowid: integer("rowid") });
    const fts = quoteIdentifier(this.ftsName);
    const names = Object.values(target.fields).map((column) => quoteIdentifier(column.name));
    const list = names.join(", ");
    const tokenize = quoteLiteral(options.tokenize ?? DEFAULT_TOKENIZER);
    // Stored verbatim in sqlite_master, so comparing it tells whether the definition changed.
    this.create = `CREATE VIRTUAL TABLE ${fts} USING fts5(${list}, content=${quoteLiteral(content)}, tokenize=${tokenize})`;
    const table = quoteIdentifier(content);
    const values = (row: "new" | "old") => names.map((name) => `${row}.${name}`).join(", ");
    const remove = `INSERT INTO ${fts}(${fts}, rowid, ${list}) VALUES ('delete', old.rowid, ${values("old")});`;
    const insert = `INSERT INTO ${fts}(rowid, ${list}) VALUES (new.rowid, ${values("new")});`;
    // The update trigger also watches the key: an integer key is the rowid the index is keyed by.
    const watched = [quoteIdentifier(target.idColumn.name), ...names].join(", ");
    this.triggers = [
      { name: `${this.ftsName}_ai`, body: `AFTER INSERT ON ${table} BEGIN ${insert} END` },
      { name: `${this.ftsName}_ad`, body: `AFTER DELETE ON ${table} BEGIN ${remove} END` },
      { name: `${this.ftsName}_au`, body: `AFTER UPDATE OF ${watched} ON ${table} BEGIN ${remove} ${insert} END` },
    ];
  }

  async setup(): Promise<void> {
    const { db } = this.target;
    const names = [this.ftsName, ...this.triggers.map((trigger) => trigger.name)];
    const existing = await queryRows(db, "sqlite", sql`SELECT name, sql FROM sqlite_master WHERE name IN ${names}`);
    const stored = existing.find((row) => row.name === this.ftsName);
    const current = stored !== undefined && stored.sql === this.create && existing.length === names.length;
    if (current) return;
    // Missing, changed, or missing a trigger (so possibly stale): recreate and reindex everything.
    for (const trigger of this.triggers) await this.run(`DROP TRIGGER IF EXISTS ${quoteIdentifier(trigger.name)}`);
    await this.run(`DROP TABLE IF EXISTS ${quoteIdentifier(this.ftsName)}`);
    await this.run(this.create);
    // Triggers before the rebuild: a write in between is then covered by one or the other.
    for (const trigger of this.triggers)
      await this.run(`CREATE TRIGGER ${quoteIdentifier(trigger.name)} ${trigger.body}`);
    const fts = quoteIdentifier(this.ftsName);
    await this.run(`INSERT INTO ${fts}(${fts}) VALUES ('rebuild')`);
  }

  async search(request: DatabaseSearchRequest): Promise<ScoredRow[]> {
    const { target } = this;
    const fts = sql.identifier(this.ftsName);
    const fields: Record<string, SQL | (typeof target.columns)[string]> = {};
    for (const key of request.columns) fields[key] = target.columns[key]!;
    // bm25 is lower-is-better; negated so a higher score is better on every adapter.
    fields[SCORE_KEY] = sql`-bm25(${fts})`;
    const match = request.terms.map(quoteTerm).join(" ");
    const rows = await selectFrom(target.db, fields, target.table)
      .innerJoin(this.ftsTable, sql`${fts}.rowid = ${target.table}.rowid`)
      .where(and(sql`${fts} MATCH ${match}`, request.where))
      .orderBy(sql`bm25(${fts})`, asc(target.idColumn))
      .limit(request.limit)
      .offset(request.offset);
    return rows.map(splitScore);
  }

  private run(statement: string): Promise<void> {
    return executeStatement(this.target.db, "sqlite", sql.raw(statement));
  }
}

/** Full-text search with SQLite FTS5: `search: { index: createSqliteFts5Search(), fields: [...] }`. */
export function createSqliteFts5Search(options: SqliteFts5Options = {}): SearchAdapter {
  return {
    name: "sqlite-fts5",
    bind(target) {
      if (target.dialect !== "sqlite") {
        throw new TypeError(
          `covara: resource '${target.resource}' uses the sqlite-fts5 search index on a database that is not SQLite`,
        );
      }
      return new SqliteFts5Index(target, options);
    },
  };
}
