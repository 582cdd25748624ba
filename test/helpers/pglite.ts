/**
 * PGlite for tests, without paying for its start-up again and again. A new PGlite runs initdb in
 * WebAssembly, about 8 s of CPU on this machine, and the suites used to open dozens per file
 * (one per describe, sometimes one per test). Two savings, neither of which changes what a test
 * sees — every instance handed out is indistinguishable from a brand-new one:
 *
 * - The data directory of a freshly initialised PGlite is dumped once (a tarball in the temp
 *   folder, shared by every test file and run for this PGlite build) and later instances start
 *   from it, which skips initdb (about a quarter of the CPU).
 * - Within a test file, an instance a test has finished with is reset to that fresh state (every
 *   schema dropped, `public` recreated as initdb makes it, session settings discarded) and handed
 *   to the next test that asks, instead of being closed. Two connections open at once always get
 *   two instances.
 *
 * Use `await openPglite()` where a test would write `new PGlite()`, and close it as usual; the
 * file's idle instances are closed in its afterAll.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll } from "vitest";

/** The dump belongs to one PGlite build: its name carries the size and time of the engine file. */
function freshDumpPath(): string {
  const engine = join(dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite")), "pglite.wasm");
  const { size, mtimeMs } = statSync(engine);
  return join(tmpdir(), `covara-test-pglite-${size}-${Math.floor(mtimeMs)}.tar`);
}

let dumpPath: string | undefined;

/** A PGlite started from the fresh dump, or initialised from scratch (and dumped) when there is none. */
async function startFresh(): Promise<PGlite> {
  dumpPath ??= freshDumpPath();
  if (existsSync(dumpPath)) {
    try {
      const client = new PGlite({ loadDataDir: new Blob([readFileSync(dumpPath)]) });
      await client.waitReady;
      return client;
    } catch {
      // An unreadable dump (say, written by another build): initialise afresh and replace it.
    }
  }
  const client = new PGlite();
  await client.waitReady;
  const dump = await client.dumpDataDir("none");
  // Written beside its final name and renamed, so a file running in parallel never reads half a dump.
  const partial = `${dumpPath}.${randomUUID()}`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, dumpPath);
  return client;
}

/** Instances a test has released, reset and waiting for the next one (this file only). */
const idle: PGlite[] = [];

/**
 * A PGlite as good as new: an idle one of this file's, or one started from the fresh dump. What is
 * returned is a stand-in for the instance: its `close()` hands the instance back (reset for the
 * next test), after which the stand-in behaves as a closed PGlite — `closed` is true, queries
 * throw — so a test still using it after closing fails as it would have, and never reaches the
 * next test's data.
 */
export async function openPglite(): Promise<PGlite> {
  const client = idle.pop() ?? (await startFresh());
  let released: Promise<void> | undefined;
  const closedError = () => new Error("PGlite is closed");
  return new Proxy(client, {
    get(target, property) {
      if (property === "closed") return released !== undefined || target.closed;
      if (property === "close") return () => (released ??= releasePglite(target));
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function" || property === "constructor") return value;
      // Bound to the instance itself: PGlite keeps its state in private fields the stand-in lacks.
      return (...args: unknown[]) => {
        if (released !== undefined) throw closedError();
        return (value as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Schemas initdb does not make (or that every session has): what a test may have created. */
const SYSTEM_SCHEMAS = "nspname in ('pg_catalog', 'information_schema', 'pg_toast') or nspname like 'pg\\_%temp\\_%'";

/** Brings a used instance back to the state of a fresh one; false when that cannot be done. */
async function reset(client: PGlite): Promise<boolean> {
  try {
    if (client.closed) return false;
    // A test that failed mid-transaction leaves it open; a rollback outside one only warns.
    await client.exec("rollback");
    const { rows } = await client.query<{ name: string }>(
      `select nspname as name from pg_namespace where not (${SYSTEM_SCHEMAS})`,
    );
    await client.exec(
      [
        ...rows.map(({ name }) => `drop schema "${name.replaceAll('"', '""')}" cascade;`),
        // As initdb (PostgreSQL 15 and later) makes it.
        "create schema public authorization pg_database_owner;",
        "grant usage on schema public to public;",
        "comment on schema public is 'standard public schema';",
      ].join("\n"),
    );
    // Settings, prepared statements, temporary tables, advisory locks, LISTENs (outside a transaction).
    await client.exec("discard all");
    return true;
  } catch {
    return false;
  }
}

/** Hands an instance back: reset and kept for the file's next test, or closed when it cannot be reset. */
async function releasePglite(client: PGlite): Promise<void> {
  if (await reset(client)) idle.push(client);
  else if (!client.closed) await client.close();
}

// The idle instances go when the file ends (a test file is a process of its own). A child process a
// test spawns may import this module through shared fixtures without using PGlite; it has no suite
// to hook (vitest throws), and nothing to close.
try {
  afterAll(async () => {
    for (const client of idle.splice(0)) await client.close();
  });
} catch {
  // not inside a test file
}
