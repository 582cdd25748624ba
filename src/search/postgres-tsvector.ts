/**
 * Postgres full-text search: a tsvector expression over the searched columns with a GIN index on
 * the very same expression (no extra column, no trigger: the index follows every write in its own
 * transaction), queried with websearch_to_tsquery or plainto_tsquery and ranked by ts_rank.
 * Works on PGlite, postgres-js and Neon.
 */
import { and, asc, getTableName, sql, type Column, type SQL } from "drizzle-orm";
import { executeStatement, quoteIdentifier, quoteLiteral, SCORE_KEY, selectFrom, shortHash, splitScore } from "./sql";
import type { DatabaseSearchIndex, DatabaseSearchRequest, ScoredRow, SearchAdapter, SearchTarget } from "./types";

export interface PostgresSearchOptions {
  /** Text search configuration (default `english`). */
  config?: string;
  /** How `q` is read: `websearch` (default; "quoted phrases", `or`, `-word`) or `plain` (all words). */
  syntax?: "websearch" | "plain";
  /** Create the GIN expression index during setup (default true); false when migrations own it. */
  createIndex?: boolean;
  /** Name of the GIN index (default `<table>_search_<hash of the expression>`). */
  indexName?: string;
}

const CONFIG_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** The tsvector expression the index is built on; queries must repeat it exactly to use the index. */
export function tsvectorExpression(fields: readonly Column[], config: string): string {
  const text = fields.map((column) => `coalesce(${quoteIdentifier(column.name)}, '')`).join(` || ' ' || `);
  return `to_tsvector(${quoteLiteral(config)}::regconfig, ${text})`;
}

class PostgresSearchIndex implements DatabaseSearchIndex {
  readonly location = "database";
  private readonly expression: SQL;
  private readonly config: string;
  private readonly indexName: string;

  constructor(
    private readonly target: SearchTarget,
    private readonly options: PostgresSearchOptions,
  ) {
    this.config = options.config ?? "english";
    if (!CONFIG_NAME.test(this.config))
      throw new TypeError(`covara: '${this.config}' is not a text search configuration name`);
    const expression = tsvectorExpression(Object.values(target.fields), this.config);
    this.expression = sql.raw(expression);
    this.indexName = options.indexName ?? `${getTableName(target.table).slice(0, 40)}_search_${shortHash(expression)}`;
  }

  async setup(): Promise<void> {
    if (this.options.createIndex === false) return;
    const { db, table } = this.target;
    await executeStatement(
      db,
      "pg",
      sql`CREATE INDEX IF NOT EXISTS ${sql.identifier(this.indexName)} ON ${table} USING GIN (${this.expression})`,
    );
  }

  async search(request: DatabaseSearchRequest): Promise<ScoredRow[]> {
    const { target } = this;
    const parse = this.options.syntax === "plain" ? "plainto_tsquery" : "websearch_to_tsquery";
    const query = sql`${sql.raw(parse)}(${sql.raw(quoteLiteral(this.config))}::regconfig, ${request.text})`;
    const rank = sql`ts_rank(${this.expression}, ${query})`;
    const fields: Record<string, SQL | Column> = {};
    for (const key of request.columns) fields[key] = target.columns[key]!;
    fields[SCORE_KEY] = rank;
    const rows = await selectFrom(target.db, fields, target.table)
      .where(and(sql`${this.expression} @@ ${query}`, request.where))
      .orderBy(sql`${rank} desc`, asc(target.idColumn))
      .limit(request.limit)
      .offset(request.offset);
    return rows.map(splitScore);
  }
}

/** Full-text search with Postgres tsvector: `search: { index: createPostgresSearch(), fields: [...] }`. */
export function createPostgresSearch(options: PostgresSearchOptions = {}): SearchAdapter {
  return {
    name: "postgres",
    bind(target) {
      if (target.dialect !== "pg") {
        throw new TypeError(
          `covara: resource '${target.resource}' uses the postgres search index on a database that is not Postgres`,
        );
      }
      return new PostgresSearchIndex(target, options);
    },
  };
}
