/**
 * The cost of turning filter text into SQL, in microseconds per filter:
 *   parse                      parseRsql
 *   parse+coerce+compile       coerceFilter(parseRsql(...)) then compileToSql (a Drizzle SQL object)
 *   parse+coerce+compile+toSQL the above plus Drizzle's sqlToQuery (the final SQL string + params)
 * for a 10-clause filter and for the benchmark's 2-clause filter, plus each step alone (on the
 * previous step's output) to show where the time goes. Each stage is warmed up, then timed in
 * batches interleaved across stages; the median batch is reported. Prints one JSON line (an array).
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

interface Stage {
  filter: string;
  stage: string;
  run: () => void;
  perBatch: number;
  samples: number[];
}

function stage(filter: string, name: string, run: () => void): Stage {
  return { filter, stage: name, run, perBatch: 0, samples: [] };
}

const BATCHES = 15;

/**
 * Warms every stage up (~250 ms each, which also sizes its batches to ~40 ms), then runs the
 * batches round-robin across stages, so a burst of other load on the machine lands on all stages
 * alike instead of ruining one. Reports the median batch (and min/max) in µs per operation.
 */
function measureAll(stages: Stage[]): FilterResult[] {
  for (const s of stages) {
    let iterations = 0;
    const warmEnd = performance.now() + 250;
    while (performance.now() < warmEnd) {
      for (let i = 0; i < 50; i++) s.run();
      iterations += 50;
    }
    s.perBatch = Math.max(200, Math.round(iterations / 6));
  }
  for (let batch = 0; batch < BATCHES; batch++) {
    for (const s of stages) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < s.perBatch; i++) s.run();
      s.samples.push(Number(process.hrtime.bigint() - start) / 1000 / s.perBatch);
    }
  }
  return stages.map((s) => {
    const sorted = [...s.samples].sort((a, b) => a - b);
    return {
      filter: s.filter,
      stage: s.stage,
      median: sorted[sorted.length >> 1]!,
      min: sorted[0]!,
      max: sorted[sorted.length - 1]!,
      iterations: s.perBatch * BATCHES,
    };
  });
}

function main(): void {
  // Fail loudly (not with a nonsense timing) if a filter does not compile.
  for (const text of [TEN_CLAUSES, TWO_CLAUSES]) {
    const node = coerceFilter(parseRsql(text, { operators }), fields, operators);
    const query = dialect.sqlToQuery(compileToSql(node, { fields, dialect: "sqlite", operators }));
    console.error(`${text}\n  → ${query.sql}  ${JSON.stringify(query.params)}`);
  }
  const stages: Stage[] = [];
  for (const [label, text] of [
    ["10 clauses", TEN_CLAUSES],
    ["2 clauses", TWO_CLAUSES],
  ] as const) {
    stages.push(stage(label, "parse", () => parse(text)));
    stages.push(stage(label, "parse+coerce+compile", () => compile(text)));
    stages.push(stage(label, "parse+coerce+compile+toSQL", () => toSql(text)));
  }
  // The steps one by one, each on the previous step's (precomputed) output.
  const parsed = parseRsql(TEN_CLAUSES, { operators });
  const coerced = coerceFilter(parsed, fields, operators);
  const compiled = compileToSql(coerced, { fields, dialect: "sqlite", operators });
  stages.push(
    stage("10 clauses", "coerce only", () => void (sink += coerceFilter(parsed, fields, operators).type.length)),
  );
  stages.push(
    stage(
      "10 clauses",
      "compile only",
      () => void (sink += compileToSql(coerced, { fields, dialect: "sqlite", operators }).queryChunks.length),
    ),
  );
  stages.push(stage("10 clauses", "toSQL only", () => void (sink += dialect.sqlToQuery(compiled).sql.length)));
  const results = measureAll(stages);
  if (sink === 42) console.error("");
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

if (process.argv[1]?.endsWith("filter.ts")) main();
