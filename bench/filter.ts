/**
 * The cost of turning filter text into SQL, in microseconds per filter:
 *   parse                      parseRsql
 *   parse+coerce+compile       coerceFilter(parseRsql(...)) then compileToSql (a Drizzle SQL object)
 *   parse+coerce+compile+toSQL the above plus Drizzle's sqlToQuery (the final SQL string + params)
 * for a 10-clause filter and for the benchmark's 2-clause filter. Each stage is warmed up, then
 * timed in several batches; the median batch is reported. Prints one JSON line (an array).
 *
 * Note: covara caches parsed filters per resource by their text and compiled SQL per parsed
 * filter, so a repeated `?filter=` (as in the HTTP benchmark) pays this only once.
 */
import { getTableColumns } from "drizzle-orm";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { coerceFilter, compileToSql, createOperatorRegistry, parseRsql } from "../src/kernel/rsql/index";
import { users } from "./shared";

export interface FilterResult {
  filter: string;
  stage: string;
  /** Microseconds per operation. */
  median: number;
  min: number;
  max: number;
  iterations: number;
}

export const TEN_CLAUSES = [
  `age>=30`,
  `role=="admin"`,
  `name=istartswith="a"`,
  `email=iendswith="@example.com"`,
  `age<65`,
  `id=gt=100`,
  `createdAt>=1600000000000`,
  `role=in=(admin,editor,viewer)`,
  `name!="Zed Zulu 1"`,
  `age=between=[18,99]`,
].join(";");

export const TWO_CLAUSES = `age>=30;role=="admin"`;

const fields = getTableColumns(users);
const operators = createOperatorRegistry();
const dialect = new SQLiteSyncDialect();

let sink = 0;

function parse(text: string): void {
  const node = parseRsql(text, { operators });
  sink += node.type.length;
}

function compile(text: string): void {
  const node = coerceFilter(parseRsql(text, { operators }), fields, operators);
  const where = compileToSql(node, { fields, dialect: "sqlite", operators });
  sink += where.queryChunks.length;
}

function toSql(text: string): void {
  const node = coerceFilter(parseRsql(text, { operators }), fields, operators);
  const query = dialect.sqlToQuery(compileToSql(node, { fields, dialect: "sqlite", operators }));
  sink += query.sql.length + query.params.length;
}

function measure(filter: string, stage: string, run: (text: string) => void, text: string): FilterResult {
  // Warm up for ~300 ms so the functions are optimized, and size batches to ~150 ms each.
  let iterations = 0;
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) {
    for (let i = 0; i < 100; i++) run(text);
    iterations += 100;
  }
  const perBatch = Math.max(1000, Math.round(iterations / 2));
  const samples: number[] = [];
  for (let batch = 0; batch < 9; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) run(text);
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / perBatch);
  }
  samples.sort((a, b) => a - b);
  return { filter, stage, median: samples[4]!, min: samples[0]!, max: samples[8]!, iterations: perBatch * 9 };
}

function main(): void {
  // Fail loudly (not with a nonsense timing) if a filter does not compile.
  for (const text of [TEN_CLAUSES, TWO_CLAUSES]) {
    const node = coerceFilter(parseRsql(text, { operators }), fields, operators);
    const query = dialect.sqlToQuery(compileToSql(node, { fields, dialect: "sqlite", operators }));
    console.error(`${text}\n  → ${query.sql}  ${JSON.stringify(query.params)}`);
  }
  const results: FilterResult[] = [];
  for (const [label, text] of [["10 clauses", TEN_CLAUSES], ["2 clauses", TWO_CLAUSES]] as const) {
    results.push(measure(label, "parse", parse, text));
    results.push(measure(label, "parse+coerce+compile", compile, text));
    results.push(measure(label, "parse+coerce+compile+toSQL", toSql, text));
  }
  if (sink === 42) console.error("");
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main();
