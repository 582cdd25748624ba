/**
 * `covara db` on a generated project (linked to this repository's sources), once per kind of
 * profile: a local SQLite file (checked afterwards with better-sqlite3), a libsql file URL chosen
 * through COVARA_DB_PROFILE, and a fresh database on the real PostgreSQL.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PG_URL, pgReachable } from "./helpers/services";
import { createLinkedProject } from "./helpers/project";
import { runInDir } from "./helpers/run";

const root = mkdtempSync(join(tmpdir(), "covara-db-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const runIn = (dir: string, env: Record<string, string>, ...argv: string[]) => runInDir(dir, argv, env);

const pgUp = await pgReachable();
if (!pgUp) console.warn(`db.test: skipping the PostgreSQL run: nothing answers at ${PG_URL}`);

/** Rows with every awkward value CSV and JSON must carry: commas, quotes, line breaks, empty text. */
const AWKWARD = ["plain", 'with "quotes", and a comma', "two\nlines", "", "ünïcödé ✓"];

describe.each([
  { kind: "sqlite file", db: "sqlite" as const, skip: false },
  { kind: "libsql profile", db: "sqlite" as const, skip: false },
  { kind: "postgres", db: "postgres" as const, skip: !pgUp },
])("covara db on a $kind", ({ kind, db, skip }) => {
  const dir = join(root, kind.replace(/\W+/g, "-"));
  const databaseName = `covara_cli_db_${process.pid}_${Date.now()}`;
  let env: Record<string, string> = {};
  const cli = (...argv: string[]) => runIn(dir, env, ...argv);

  beforeAll(async () => {
    if (skip) return;
    await createLinkedProject(dir, db === "postgres" ? ["--db", "postgres"] : []);
    if (db === "postgres") {
      const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database "${databaseName}"`);
      await admin.end();
      const url = new URL(PG_URL);
      url.pathname = `/${databaseName}`;
      env = { DATABASE_URL: url.toString() };
    }
    if (kind === "libsql profile") {
      const configFile = join(dir, "covara.config.ts");
      const config = readFileSync(configFile, "utf8").replace(
        "profiles: {",
        'profiles: {\n      replica: { url: "file:./replica.db" },',
      );
      writeFileSync(configFile, config);
      env = { COVARA_DB_PROFILE: "replica" };
    }
  }, 60_000);

  afterAll(async () => {
    if (db === "postgres" && !skip) {
      const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists "${databaseName}" with (force)`);
      await admin.end();
    }
  });

  it.skipIf(skip)(
    "status, then migrate applies the generated migration once, recorded",
    async () => {
      const before = await cli("db", "status");
      expect(before.code).toBe(0);
      expect(before.stdout).toContain("reachable");
      expect(before.stdout).toMatch(/schema\s+1 change/);
      expect((await cli("generate", "migration", "init")).code).toBe(0);
      const migrated = await cli("db", "migrate");
      expect(migrated).toMatchObject({ code: 0, stderr: "" });
      expect(migrated.stdout).toContain("0000_init.sql");
      expect((await cli("db", "migrate")).stdout).toContain("No pending migrations");
      const after = await cli("db", "status");
      expect(after.stdout).toMatch(/migrations\s+1 applied, none pending/);
      expect(after.stdout).toMatch(/schema\s+the database matches/);
    },
    60_000,
  );

  it.skipIf(skip)(
    "seed runs src/seed.ts with the profile's database",
    async () => {
      const seeded = await cli("db", "seed");
      expect(seeded).toMatchObject({ code: 0, stderr: "" });
      const exported = await cli("db", "export", "todos");
      expect(JSON.parse(exported.stdout).map((row: { title: string }) => row.title)).toEqual([
        "Read the covara docs",
        "Add a resource: covara generate resource posts",
      ]);
    },
    60_000,
  );

  it.skipIf(skip)(
    "export and import round-trip awkward values through CSV and JSON",
    async () => {
      writeFileSync(
        join(dir, "rows.sql"),
        `delete from todos;\n${AWKWARD.map((title, index) => `insert into todos (id, title, done) values (${index + 1}, '${title.replaceAll("'", "''")}', ${index % 2 === 0 ? "true" : "false"});`).join("\n")}\n`,
      );
      expect((await cli("db", "run", "rows.sql")).code).toBe(0);
      const original = (await cli("db", "export", "todos")).stdout;
      expect(JSON.parse(original).map((row: { title: string }) => row.title)).toEqual(AWKWARD);
      for (const format of ["csv", "json"]) {
        const file = `todos.${format}`;
        expect((await cli("db", "export", "todos", "-o", file)).stdout).toContain(`Exported ${AWKWARD.length} row(s)`);
        writeFileSync(join(dir, "empty.sql"), "delete from todos;");
        await cli("db", "run", "empty.sql");
        const imported = await cli("db", "import", "todos", file);
        expect(imported).toMatchObject({ code: 0, stderr: "" });
        expect(imported.stdout).toContain(`Imported ${AWKWARD.length} row(s)`);
        expect((await cli("db", "export", "todos")).stdout).toBe(original);
      }
      // The sequence moved past the imported ids: the app's next insert does not collide.
      writeFileSync(join(dir, "next.sql"), "insert into todos (title) values ('after the import');");
      expect((await cli("db", "run", "next.sql")).code).toBe(0);
    },
    60_000,
  );

  it.skipIf(skip)(
    "a bad CSV line stops the import with its line number, and nothing is imported",
    async () => {
      writeFileSync(join(dir, "bad.csv"), 'id,title,done\n100,fine,true\n101,"unterminated,true\n');
      const bad = await cli("db", "import", "todos", "bad.csv");
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("bad.csv line 3");
      writeFileSync(join(dir, "short.csv"), "id,title,done\n100,fine,true\n101,short\n");
      const short = await cli("db", "import", "todos", "short.csv");
      expect(short.stderr).toContain("short.csv line 3: 2 fields, but the header has 3");
      const ids = JSON.parse((await cli("db", "export", "todos")).stdout).map((row: { id: number }) => row.id);
      expect(ids).not.toContain(100);
    },
    60_000,
  );

  it.skipIf(skip)(
    "push applies a nullable column, refuses a NOT NULL one without default, and keeps the migrations table",
    async () => {
      const schemaFile = join(dir, "src/schema.ts");
      const original = readFileSync(schemaFile, "utf8");
      writeFileSync(
        schemaFile,
        original.replace('title: text("title").notNull(),', 'title: text("title").notNull(),\n  note: text("note"),'),
      );
      const pushed = await cli("db", "push");
      expect(pushed).toMatchObject({ code: 0, stderr: "" });
      expect(pushed.stdout).toMatch(/ALTER TABLE .*todos.* ADD .*note/);
      writeFileSync(
        schemaFile,
        original.replace(
          'title: text("title").notNull(),',
          'title: text("title").notNull(),\n  note: text("note"),\n  owner: text("owner").notNull(),',
        ),
      );
      const refused = await cli("db", "push");
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("could lose data");
      expect(refused.stderr).toContain("--accept-data-loss");
      expect(refused.stderr).not.toContain("covara_migrations");
      writeFileSync(schemaFile, original);
      expect((await cli("db", "status")).stdout).toMatch(/migrations\s+1 applied/);
    },
    60_000,
  );

  it.skipIf(skip)(
    "run rolls a failing script back and says so",
    async () => {
      writeFileSync(
        join(dir, "half.sql"),
        "insert into todos (title) values ('half');\ninsert into no_such_table values (1);\n",
      );
      const failed = await cli("db", "run", "half.sql");
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain("Nothing of it was applied");
      expect((await cli("db", "export", "todos")).stdout).not.toContain('"half"');
    },
    60_000,
  );

  it.skipIf(skip || kind !== "sqlite file")("the local profile is a plain SQLite file", () => {
    const file = new Database(join(dir, "data.db"), { readonly: true });
    const names = file.prepare("select name from sqlite_master where type = 'table' order by name").all();
    file.close();
    expect(names).toEqual(expect.arrayContaining([{ name: "todos" }, { name: "covara_migrations" }]));
  });
});

describe("covara db errors say how to fix them", () => {
  const dir = join(root, "errors");
  beforeAll(() => createLinkedProject(dir), 60_000);

  it("--help lists every subcommand with examples", async () => {
    const help = await runIn(dir, {}, "db", "--help");
    expect(help.code).toBe(0);
    for (const sub of ["push", "migrate", "status", "seed", "export", "import", "run", "types"])
      expect(help.stdout).toMatch(new RegExp(`^  ${sub}\\b`, "m"));
    expect(help.stdout).toContain("Examples:");
  });

  it("wrong usage exits 2", async () => {
    expect((await runIn(dir, {}, "db")).code).toBe(2);
    expect((await runIn(dir, {}, "db", "drop-everything")).stderr).toContain('unknown subcommand "drop-everything"');
    expect((await runIn(dir, {}, "db", "export")).code).toBe(2);
    expect((await runIn(dir, {}, "db", "export", "todos", "--format", "xml")).code).toBe(2);
  });

  it("an unknown profile lists the known ones", async () => {
    const result = await runIn(dir, {}, "db", "status", "--profile", "prod");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown database profile "prod"');
    expect(result.stderr).toContain("Profiles in covara.config.ts: local");
    expect((await runIn(dir, { COVARA_DB_PROFILE: "nope" }, "db", "status")).stderr).toContain(
      'unknown database profile "nope"',
    );
  });

  it("no DATABASE_URL and no profile says what to set", async () => {
    const bare = join(root, "bare");
    await createLinkedProject(bare);
    writeFileSync(join(bare, "covara.config.ts"), 'export default { schema: "src/schema.ts", app: "src/app.ts" };\n');
    const result = await runIn(bare, {}, "db", "status");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("DATABASE_URL is not set");
    expect(result.stderr).toContain("set DATABASE_URL");
  }, 60_000);

  it("an unreachable database is named, without its password", async () => {
    const result = await runIn(dir, { DATABASE_URL: "postgres://app:secret@127.0.0.1:1/nothing" }, "db", "status");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("cannot reach the database at postgres://app:***@127.0.0.1:1/nothing");
    expect(result.stderr).not.toContain("secret");
    expect(result.stderr).toContain("Check that it is running");
  });

  it("an unknown table lists the tables", async () => {
    await runIn(dir, {}, "db", "push");
    const result = await runIn(dir, {}, "db", "export", "todo");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no table "todo"');
    expect(result.stderr).toContain("Its tables: todos");
  });

  it("types writes the client types from the app", async () => {
    rmSync(join(dir, "src/covara-types.d.ts"), { force: true });
    const result = await runIn(dir, {}, "db", "types");
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(readFileSync(join(dir, "src/covara-types.d.ts"), "utf8")).toContain('"/api/todos"');
    // Starting the app from TypeScript sources takes 20-30 s when the machine is loaded.
  }, 180_000);
});
