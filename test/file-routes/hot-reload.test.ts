/**
 * Under `covara dev` (a dev host on globalThis), file routes reload in place when their files
 * change: an edited handler or schema, a new route file, a file that breaks (reported, the others
 * keep serving), and the OpenAPI document follows. The app process is never restarted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createCovara, type Logger } from "../../src";
import { DEV_HOST, type DevHost } from "../../src/file-routes";
import { send } from "../helpers/app";

const dirs: string[] = [];
afterEach(() => {
  Reflect.deleteProperty(globalThis, DEV_HOST);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project folder with a routes tree: inside the repository, so its imports of zod and covara resolve. */
function project(): string {
  const dir = mkdtempSync(join(import.meta.dirname, "fixtures", "hot-"));
  dirs.push(dir);
  mkdirSync(join(dir, "routes", "ping"), { recursive: true });
  writeFileSync(join(dir, "routes", "ping", "index.ts"), `export const GET = () => ({ pong: 1 });\n`);
  return dir;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the routes were not reloaded");
}

describe("hot file routes", () => {
  it("reloads edited, added and broken route files without a restart", async () => {
    const dir = project();
    let changed: ((files: string[]) => void) | undefined;
    const watched: string[] = [];
    const host: DevHost = {
      watch(folders, onChange) {
        watched.push(...folders);
        changed = onChange;
      },
    };
    Reflect.set(globalThis, DEV_HOST, host);
    const errors: string[] = [];
    const logger: Logger = { error: (message) => errors.push(message), warn: () => {}, info: () => {} };
    const app = createCovara({ logger });
    app.get("/api/other", (c) => c.text("other"));
    await app.fileRoutes(join(dir, "routes"));
    expect(watched).toEqual([join(dir, "routes"), join(dir, "schemas")]);
    expect((await send(app, "GET", "/api/ping")).body).toEqual({ pong: 1 });
    expect((await send(app, "GET", "/api/other")).text).toBe("other");

    // An edit, a new route with a schema in schemas/.
    writeFileSync(join(dir, "routes", "ping", "index.ts"), `export const GET = () => ({ pong: 2 });\n`);
    mkdirSync(join(dir, "routes", "echo"));
    mkdirSync(join(dir, "schemas", "echo"), { recursive: true });
    writeFileSync(
      join(dir, "routes", "echo", "index.ts"),
      `export const POST = (ctx: { input: { body: unknown } }) => ctx.input.body;\n`,
    );
    writeFileSync(
      join(dir, "schemas", "echo", "index.ts"),
      `import { z } from "zod";\nexport default z.object({ n: z.number() });\n`,
    );
    changed!([join(dir, "routes", "ping", "index.ts")]);
    await until(
      () => send(app, "GET", "/api/ping"),
      (res) => res.body.pong === 2,
    );
    expect((await send(app, "POST", "/api/echo", { body: { n: 3 } })).body).toEqual({ n: 3 });
    expect((await send(app, "POST", "/api/echo", { body: { n: "x" } })).status).toBe(422);
    const { paths } = (await send(app, "GET", "/__covara/openapi.json")).body;
    expect(paths["/api/echo"].post.requestBody).toBeDefined();

    // A file that breaks is reported; the others keep serving.
    writeFileSync(join(dir, "routes", "echo", "index.ts"), `export const POST = ;\n`);
    changed!([join(dir, "routes", "echo", "index.ts")]);
    await until(
      () => send(app, "POST", "/api/echo", { body: { n: 3 } }),
      (res) => res.status === 404,
    );
    expect(errors.some((message) => message.includes(join("routes", "echo", "index.ts")))).toBe(true);
    expect((await send(app, "GET", "/api/ping")).body).toEqual({ pong: 2 });
    expect((await send(app, "GET", "/api/other")).text).toBe("other");
    expect((await send(app, "GET", "/api/nothing")).status).toBe(404);
  });

  it("sees the outer request's user and principal", async () => {
    const dir = project();
    writeFileSync(
      join(dir, "routes", "ping", "index.ts"),
      `export const GET = (ctx: any) => ({ user: ctx.c.get("user"), name: ctx.principal.name });\n`,
    );
    Reflect.set(globalThis, DEV_HOST, { watch() {} } satisfies DevHost);
    const app = createCovara({ authenticate: () => ({ id: 9, name: "Nia" }) });
    await app.fileRoutes(join(dir, "routes"));
    expect((await send(app, "GET", "/api/ping")).body).toEqual({ user: { id: 9, name: "Nia" }, name: "Nia" });
  });

  it("reports bad exports and broken schema files with their paths (no dev host)", async () => {
    const dir = project();
    const write = (file: string, text: string) => {
      mkdirSync(join(dir, file, ".."), { recursive: true });
      writeFileSync(join(dir, file), text);
    };
    write("routes/badschema/index.ts", `export const schema = { body: "not zod" };\nexport const POST = () => 1;\n`);
    write("routes/nohandler/index.ts", `export const get = () => 1;\n`);
    write("routes/ok/index.ts", `export const GET = () => ({ ok: true });\n`);
    write("schemas/ping/index.ts", `throw new Error("broken schema");\n`);
    const errors: { message: string; meta?: Record<string, unknown> }[] = [];
    const logger: Logger = { error: (message, _error, meta) => errors.push({ message, meta }), warn: () => {} };
    const app = createCovara({ logger });
    await app.fileRoutes(join(dir, "routes"));
    expect(errors.map((entry) => String(entry.meta?.file).slice(dir.length)).sort()).toEqual([
      "/routes/badschema/index.ts",
      "/routes/nohandler/index.ts",
      "/routes/ping/index.ts",
    ]);
    expect(errors.find((entry) => String(entry.meta?.file).endsWith("ping/index.ts"))?.meta?.schemaFile).toBe(
      join(dir, "schemas/ping/index.ts"),
    );
    // A route whose schema does not load is not served unvalidated.
    expect((await send(app, "GET", "/api/ping")).status).toBe(404);
    expect((await send(app, "GET", "/api/ok")).body).toEqual({ ok: true });
  });
});
