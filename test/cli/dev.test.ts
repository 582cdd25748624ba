/**
 * `covara dev` as a child process on a generated project (linked to this repository's sources):
 * first 200, a nullable column reaching the database, the API and the client types with no manual
 * step, a syntax error that leaves the old app serving, and a NOT NULL column without a default
 * that is refused with an explanation. Once on SQLite (libsql) and once on real PostgreSQL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, PG_URL, pgReachable } from "./helpers/services";
import { createLinkedProject, repoRoot } from "./helpers/project";

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const pgUp = await pgReachable();
if (!pgUp) console.warn(`dev.test: skipping the PostgreSQL run: nothing answers at ${PG_URL}`);

describe.each([
  { db: "sqlite" as const, skip: false },
  { db: "postgres" as const, skip: !pgUp },
])("covara dev on $db", ({ db, skip }) => {
  const root = mkdtempSync(join(tmpdir(), `covara-dev-${db}-`));
  const dir = join(root, "my-app");
  const databaseName = `covara_cli_dev_${process.pid}_${Date.now()}`;
  let child: ChildProcess | undefined;
  let output = "";
  let base = "";

  beforeAll(async () => {
    if (skip) return;
    await createLinkedProject(dir, db === "postgres" ? ["--db", "postgres"] : []);
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    delete env.DATABASE_URL;
    if (db === "postgres") {
      const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database "${databaseName}"`);
      await admin.end();
      const url = new URL(PG_URL);
      url.pathname = `/${databaseName}`;
      env.DATABASE_URL = url.toString();
    }
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(repoRoot, "test/cli/helpers/cli-main.ts"),
        "dev",
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--no-typecheck",
      ],
      {
        cwd: dir,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        // Its own process group, so a test can send it Ctrl+C as a terminal does (to the group).
        detached: true,
      },
    );
    child.stdout?.on("data", (chunk: Buffer) => void (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  }, 120_000);

  afterAll(async () => {
    if (process.env.COVARA_DEV_TEST_LOG) console.log(output);
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    if (db === "postgres" && !skip) {
      const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists "${databaseName}" with (force)`);
      await admin.end();
    }
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  const list = async () => {
    const response = await fetch(`${base}/api/todos`);
    return { status: response.status, body: (await response.json()) as { items: Record<string, unknown>[] } };
  };

  it.skipIf(skip)(
    "serves the generated resource with 200 once it is up, with the table created",
    async () => {
      const first = await waitFor(
        "the first 200",
        async () => ((await list()).status === 200 ? list() : undefined),
        150_000,
      );
      expect(first.body.items).toEqual([]);
      const created = await fetch(`${base}/api/todos`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "first" }),
      });
      expect(created.status).toBe(201);
      expect(output).toContain("schema applied");
      const types = await waitFor(
        "the client types",
        async () => readFileSync(join(dir, "src/covara-types.d.ts"), "utf8"),
        30_000,
      );
      expect(types).toContain('"/api/todos"');
    },
    180_000,
  );

  it.skipIf(skip)(
    "a nullable column added to the schema reaches the database, the API and the client types",
    async () => {
      const schemaFile = join(dir, "src/schema.ts");
      const column = db === "postgres" ? 'note: text("note"),' : 'note: text("note"),';
      const schema = readFileSync(schemaFile, "utf8").replace(
        'title: text("title").notNull(),',
        `title: text("title").notNull(),\n  ${column}`,
      );
      const edited = Date.now();
      writeFileSync(schemaFile, schema);
      const row = await waitFor(
        "the new column in GET /api/todos",
        async () => {
          const { body } = await list();
          return body.items[0] && "note" in body.items[0] ? body.items[0] : undefined;
        },
        90_000,
      );
      console.log(`dev.test (${db}): nullable column served ${Date.now() - edited} ms after the edit`);
      expect(row).toMatchObject({ title: "first", note: null });
      await waitFor(
        "the client types",
        async () => (readFileSync(join(dir, "src/covara-types.d.ts"), "utf8").includes("note") ? true : undefined),
        10_000,
      );
      expect(output).toMatch(/ALTER TABLE .*todos.* ADD .*note/);
    },
    120_000,
  );

  it.skipIf(skip)(
    "a syntax error is printed with its location and the previous app keeps serving",
    async () => {
      const appFile = join(dir, "src/app.ts");
      const good = readFileSync(appFile, "utf8");
      const before = output.length;
      writeFileSync(appFile, `${good}\nconst broken = ;\n`);
      await waitFor(
        "the start failure",
        async () => (output.slice(before).includes("failed to start") ? true : undefined),
        90_000,
      );
      expect(output.slice(before)).toMatch(/app\.ts:\d+:\d+/);
      expect((await list()).status).toBe(200);
      writeFileSync(appFile, good);
      await waitFor(
        "the restart after the fix",
        async () => (output.slice(before).includes("restarted in") ? true : undefined),
        90_000,
      );
    },
    200_000,
  );

  it.skipIf(skip)(
    "a NOT NULL column without a default is refused with an explanation, and nothing changes",
    async () => {
      const schemaFile = join(dir, "src/schema.ts");
      const integerType = db === "postgres" ? "integer" : "integer";
      const schema = readFileSync(schemaFile, "utf8")
        .replace('note: text("note"),', 'note: text("note"),\n  priority: integer("priority").notNull(),')
        .replace(/import \{ ([^}]*) \} from "drizzle-orm\/(sqlite|pg)-core";/, (line, names: string) =>
          names.includes(integerType) ? line : line.replace(names, `${names}, ${integerType}`),
        );
      const before = output.length;
      writeFileSync(schemaFile, schema);
      await waitFor(
        "the refusal",
        async () => (output.slice(before).includes("NOT applied") ? true : undefined),
        90_000,
      );
      const said = output.slice(before);
      expect(said).toContain("could lose data");
      expect(said).toMatch(/priority/);
      expect(said).toContain("--accept-data-loss");
      const { status, body } = await list();
      expect(status).toBe(200);
      expect(body.items[0]).not.toHaveProperty("priority");
      expect(body.items[0]).toMatchObject({ title: "first" });
    },
    120_000,
  );

  it.skipIf(skip)(
    "Ctrl+C (SIGINT to the process group) stops dev and the app quietly, with exit code 0",
    async () => {
      const before = output.length;
      const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
      process.kill(-child!.pid!, "SIGINT");
      expect(await exited).toBe(0);
      expect(output.slice(before)).not.toContain("the app exited");
      expect(output.slice(before)).not.toContain("failed to start");
    },
    60_000,
  );
});
