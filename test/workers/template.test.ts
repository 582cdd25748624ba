/**
 * The cloudflare template as a user gets it: `covara create --template cloudflare`, built by
 * wrangler (`wrangler deploy --dry-run`, the real bundler and config checks, nothing uploaded),
 * then the built Worker run in workerd with the bindings its wrangler.toml declares: D1 with the
 * template's migration applied, the CovaraKVDurableObject and the CovaraTaskDurableObject. Its
 * resource answers 200, its subscriptions hear a write, and the task object answers.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { createLinkedProject, repoRoot } from "../cli/helpers/project";
import { openSse } from "../helpers/sse";

const root = mkdtempSync(join(tmpdir(), "covara-cf-template-"));
let mf: Miniflare | undefined;

afterAll(async () => {
  await mf?.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe("covara create --template cloudflare", () => {
  it("builds with wrangler deploy --dry-run and serves its resource and subscriptions in workerd", async () => {
    const dir = join(root, "app");
    await createLinkedProject(dir, ["--template", "cloudflare"]);
    const outdir = join(dir, "dist");
    const wrangler = join(repoRoot, "node_modules/wrangler/bin/wrangler.js");
    await promisify(execFile)(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
      cwd: dir,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
      timeout: 120_000,
    });
    const built = readdirSync(outdir).find((name) => name.endsWith(".js"));
    expect(built).toBeDefined();

    const toml = readFileSync(join(dir, "wrangler.toml"), "utf8");
    expect(toml).toMatch(
      /^\[\[durable_objects\.bindings\]\]\nname = "COVARA_KV"\nclass_name = "CovaraKVDurableObject"/m,
    );
    expect(toml).toMatch(
      /^\[\[durable_objects\.bindings\]\]\nname = "COVARA_TASKS"\nclass_name = "CovaraTaskDurableObject"/m,
    );
    expect(toml).toMatch(/new_sqlite_classes = \["CovaraKVDurableObject", "CovaraTaskDurableObject"\]/);

    mf = new Miniflare({
      // Listed explicitly, as wrangler uploads it: Miniflare's module walk refuses the bundle's
      // computed import() (file routes' loader, never called on Workers).
      modules: [{ type: "ESModule", path: join(outdir, built ?? "") }],
      modulesRoot: outdir,
      compatibilityDate: "2025-09-01",
      compatibilityFlags: ["nodejs_compat"],
      d1Databases: { DB: "template-db" },
      durableObjects: {
        COVARA_KV: { className: "CovaraKVDurableObject", useSQLite: true },
        COVARA_TASKS: { className: "CovaraTaskDurableObject", useSQLite: true },
      },
    });
    const db = await mf.getD1Database("DB");
    for (const statement of readFileSync(join(dir, "migrations/0000_init.sql"), "utf8")
      .split(";")
      .map((s) => s.trim())) {
      if (statement !== "") await db.prepare(statement).run();
    }
    const app = {
      request: async (path: string, init?: RequestInit) =>
        (await mf!.dispatchFetch(`http://app.test${path}`, init as never)) as unknown as Response,
    };

    const list = await app.request("/api/todos");
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ items: [], nextCursor: null, hasMore: false });

    const stream = (await openSse(app, "/api/todos/subscribe")).reader;
    await stream.until("snapshot");
    const created = await app.request("/api/todos", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "ship it" }),
    });
    expect(created.status).toBe(201);
    const [added] = (await stream.until("added")).slice(-1);
    expect(added?.data.row).toMatchObject({ title: "ship it" });
    await stream.cancel();

    // The task object is exported and bound: it answers the KV protocol the task scheduler speaks.
    const tasks = await mf.getDurableObjectNamespace("COVARA_TASKS");
    const reply = await tasks.get(tasks.idFromName("covara")).fetch("https://covara-kv.internal/kv/command", {
      method: "POST",
      body: JSON.stringify({ op: "zcard", args: ["covara:tasks:ready"] }),
    });
    expect(await reply.json()).toEqual({ value: 0 });
  }, 240_000);
});
