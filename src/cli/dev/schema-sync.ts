/**
 * Diffs the live database against the schema with drizzle-kit's programmatic push
 * (`drizzle-kit/api`: pushSQLiteSchema, pushSchema for Postgres), then sorts the statements into
 * additive and destructive (classify.ts).
 */
import type { Connection } from "../project/database";
import { importFromProject, importProjectModule } from "../project/load-ts";
import { MIGRATIONS_TABLE } from "../db/migrations";
import { classifyPush, type ClassifiedPush } from "./classify";

interface PushResult {
  hasDataLoss: boolean;
  warnings: string[];
  statementsToExecute: string[];
  apply(): Promise<void>;
}

interface DrizzleKitApi {
  pushSQLiteSchema(imports: Record<string, unknown>, db: unknown): Promise<PushResult>;
  pushSchema(imports: Record<string, unknown>, db: unknown): Promise<PushResult>;
}

export interface SchemaPlan extends ClassifiedPush {
  /** Runs every statement of the push (additive and destructive). */
  apply(): Promise<void>;
}

const kits = new Map<string, Promise<DrizzleKitApi>>();

/** drizzle-kit's API from the project (loading it takes a while: start early, await late). */
export function loadDrizzleKit(projectDir: string): Promise<DrizzleKitApi> {
  let kit = kits.get(projectDir);
  if (!kit) {
    kit = importFromProject<DrizzleKitApi>(projectDir, "drizzle-kit/api", "drizzle-kit");
    kits.set(projectDir, kit);
    // A failed load is retried on the next call instead of being remembered.
    kit.catch(() => kits.delete(projectDir));
  }
  return kit;
}

/** What it takes to bring the database to the schema in `schemaFile`. */
export async function planSchemaPush(
  projectDir: string,
  schemaFile: string,
  connection: Connection,
): Promise<SchemaPlan> {
  const [kit, schema] = await Promise.all([loadDrizzleKit(projectDir), importProjectModule(projectDir, schemaFile)]);
  const push = () =>
    connection.dialect === "pg"
      ? kit.pushSchema(schema, connection.pushDb)
      : kit.pushSQLiteSchema(schema, connection.pushDb);
  const result = await withoutSpinner(push);
  // covara db migrate's bookkeeping table is not in the schema: drizzle-kit would drop it.
  const ours = (text: string) => text.includes(MIGRATIONS_TABLE);
  const statements = result.statementsToExecute.filter((statement) => !ours(statement));
  if (statements.length === result.statementsToExecute.length) {
    return {
      ...classifyPush(statements, result.warnings, result.hasDataLoss),
      apply: () => withoutSpinner(() => result.apply()),
    };
  }
  const warnings = result.warnings.filter((warning) => !ours(warning));
  const apply = async () => {
    for (const statement of statements) await connection.sql.query(statement);
  };
  return { ...classifyPush(statements, warnings, result.hasDataLoss && warnings.length > 0), apply };
}

/** drizzle-kit draws a "Pulling schema" spinner on stdout; the dev log does not want it. */
async function withoutSpinner<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}
