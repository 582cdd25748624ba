/** Connections to the project's database by URL, with the drivers the project installed. */
import { isAbsolute, resolve } from "node:path";
import { CliError } from "../output";
import type { DatabaseProfile } from "./config";
import { importFromProject } from "./load-ts";
import {
  libsqlSqlClient,
  type LibsqlLike,
  postgresSqlClient,
  type PostgresLike,
  type SqlClient,
  type UrlDialect,
} from "./sql-client";

export type { UrlDialect };

export interface Connection {
  dialect: UrlDialect;
  /** A Drizzle database (libsql or postgres-js). */
  db: unknown;
  /**
   * The database as drizzle-kit's push wants it: for PostgreSQL it reads `execute(...).rows`,
   * the node-postgres result shape, so postgres-js results (arrays) are wrapped.
   */
  pushDb: unknown;
  /** Plain SQL on the same connection (`covara db`: migrations, scripts, import and export). */
  sql: SqlClient;
  close(): Promise<void>;
}

/** `postgres://` and `postgresql://` are PostgreSQL; file:, libsql:, http(s): and ws(s): are libsql. */
export function dialectOfUrl(url: string): UrlDialect {
  if (/^postgres(ql)?:\/\//i.test(url)) return "pg";
  if (/^(file|libsql|https?|wss?):/i.test(url)) return "sqlite";
  throw new CliError(
    `cannot tell the database from the URL "${redact(url)}".`,
    "Use postgres://..., file:./data.db, or a libsql:// (Turso) URL.",
  );
}

/** A `file:` URL relative to the project, made absolute so the CLI and the app open the same file. */
export function absoluteFileUrl(url: string, projectDir: string): string {
  const match = /^file:(?!\/\/)(.*)$/i.exec(url);
  if (!match) return url;
  const path = match[1] ?? "";
  return `file:${isAbsolute(path) ? path : resolve(projectDir, path)}`;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}

/** Opens the database and checks it answers. */
export async function connect(projectDir: string, profile: DatabaseProfile): Promise<Connection> {
  const dialect = dialectOfUrl(profile.url);
  if (dialect === "pg") {
    const postgres = (
      await importFromProject<{ default: (url: string, options: object) => PgClient }>(
        projectDir,
        "postgres",
        "postgres",
      )
    ).default;
    const { drizzle } = await importFromProject<{ drizzle: (client: PgClient) => PgDrizzle }>(
      projectDir,
      "drizzle-orm/postgres-js",
      "drizzle-orm",
    );
    const client = postgres(profile.url, { max: 2, onnotice: () => {}, connect_timeout: 5 });
    await reachable(profile.url, async () => await client.unsafe("select 1"));
    const db = drizzle(client);
    const pushDb = { execute: async (query: unknown) => ({ rows: Array.from(await db.execute(query)) }) };
    return { dialect, db, pushDb, sql: postgresSqlClient(client), close: () => client.end({ timeout: 1 }) };
  }
  const { createClient } = await importFromProject<{
    createClient: (config: { url: string; authToken?: string }) => LibsqlClient;
  }>(projectDir, "@libsql/client", "@libsql/client");
  const { drizzle } = await importFromProject<{ drizzle: (client: LibsqlClient) => unknown }>(
    projectDir,
    "drizzle-orm/libsql",
    "drizzle-orm",
  );
  const client = createClient({
    url: absoluteFileUrl(profile.url, projectDir),
    ...(profile.authToken ? { authToken: profile.authToken } : {}),
  });
  await reachable(profile.url, () => client.execute({ sql: "select 1", args: [] }));
  const db = drizzle(client);
  return { dialect, db, pushDb: db, sql: libsqlSqlClient(client), close: async () => client.close() };
}

interface PgClient extends PostgresLike {
  end(options: { timeout: number }): Promise<void>;
}
interface PgDrizzle {
  execute(query: unknown): Promise<Iterable<unknown>>;
}
interface LibsqlClient extends LibsqlLike {
  close(): void;
}

async function reachable(url: string, probe: () => Promise<unknown>): Promise<void> {
  try {
    await probe();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CliError(
      `cannot reach the database at ${redact(url)}: ${why}`,
      "Check that it is running and that DATABASE_URL (or the profile's url) is right.",
    );
  }
}
