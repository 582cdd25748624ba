/**
 * Path 2 of the client types: `generateClientTypes` writes a `.d.ts` from a real app's OpenAPI
 * document; a fixture using it with createClient must compile with tsc (including its
 * @ts-expect-error lines, which fail the build if they stop failing), and a wrong use must not.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateClientTypes } from "../../src/server";
import { startClientTestServer, type ClientTestServer } from "./fixtures/server";

const root = fileURLToPath(new URL("../..", import.meta.url));
let server: ClientTestServer;
let dir: string;

beforeAll(async () => {
  server = await startClientTestServer();
  dir = mkdtempSync(join(tmpdir(), "covara-codegen-"));
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function tsc(file: string): { status: number | null; output: string } {
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "es2022",
        module: "esnext",
        moduleResolution: "bundler",
        lib: ["es2023", "dom"],
        types: [],
        skipLibCheck: true,
      },
      files: [file],
    }),
  );
  const result = spawnSync(
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(dir, "tsconfig.json")],
    { encoding: "utf8" },
  );
  return { status: result.status, output: result.stdout + result.stderr };
}

const clientImport = JSON.stringify(join(root, "src", "client", "index.ts").replace(/\.ts$/, ""));

describe("generateClientTypes", () => {
  it("writes a .d.ts from the running app that types rows, bodies, select and procedures", async () => {
    const fromApp = await generateClientTypes(server.app());
    const fromUrl = await generateClientTypes(server.url);
    expect(fromUrl).toBe(fromApp);
    expect(fromApp).toContain('"/api/users": {');
    expect(fromApp).toContain('"greet": {');
    // Masked fields (fields.readable leaves out secret, createdAt, deletedAt) are not in the row.
    const rowType = /export type Users = \{[^}]*\}/.exec(fromApp)![0];
    expect(rowType).toContain("  name: string;");
    expect(rowType).not.toMatch(/secret|createdAt|deletedAt/);
    writeFileSync(join(dir, "covara-types.d.ts"), fromApp);
    writeFileSync(
      join(dir, "ok.ts"),
      `import { createClient } from ${clientImport};
import type { CovaraTypes, Users } from "./covara-types";
const client = createClient<CovaraTypes>({ baseUrl: "http://127.0.0.1" });
const users = client.resource("/api/users");
export async function main(): Promise<string> {
  const row: Users = await users.get(1);
  const name: string = row.name;
  const age: number | null | undefined = row.age;
  const page = await users.list({ select: ["id", "email"] });
  const email: string = page.items[0]!.email;
  // @ts-expect-error name was not selected
  void page.items[0]!.name;
  const out = await users.rpc("greet", { name: "Ada" });
  const message: string = out.message;
  // @ts-expect-error greet's input needs a name
  void users.rpc("greet", {});
  // @ts-expect-error there is no such procedure
  void users.rpc("nope", {});
  await users.create({ name: "x", email: "x@y.z" });
  // @ts-expect-error email is required on create
  void users.create({ name: "x" });
  const note = await client.resource("/api/notes").get("n1");
  const title: string = note.title;
  return [name, age, email, message, title].join();
}
`,
    );
    const ok = tsc("ok.ts");
    expect(ok.output).toBe("");
    expect(ok.status).toBe(0);

    writeFileSync(
      join(dir, "bad.ts"),
      `import { createClient } from ${clientImport};
import type { CovaraTypes } from "./covara-types";
const users = createClient<CovaraTypes>({ baseUrl: "" }).resource("/api/users");
export async function main(): Promise<number> {
  const row = await users.get(1);
  return row.name;
}
`,
    );
    const bad = tsc("bad.ts");
    expect(bad.status).not.toBe(0);
    expect(bad.output).toMatch(/bad\.ts\(6,3\): error TS2322: Type 'string' is not assignable to type 'number'/);
  }, 60_000);
});
