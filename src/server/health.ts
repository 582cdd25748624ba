/**
 * `/healthz` (the process is up) and `/readyz` (it can serve: not draining, databases answer).
 */
import { sql } from "drizzle-orm";
import type { Hono } from "hono";
import { dialectOf, type AnyDatabase } from "../kernel/dialect";
import { isShuttingDown } from "../kernel/lifecycle";

const READY_TIMEOUT_MS = 2000;

async function ping(db: AnyDatabase): Promise<void> {
  const probe =
    dialectOf(db) === "sqlite"
      ? (db as { run(query: unknown): unknown }).run(sql`select 1`)
      : (db as { execute(query: unknown): unknown }).execute(sql`select 1`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), READY_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Mounts the health endpoints; `databases` lists what readiness pings. */
export function mountHealth(app: Hono<any>, databases: ReadonlySet<AnyDatabase>): void {
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    if (isShuttingDown()) return c.json({ status: "shutting-down" }, 503);
    const failures: string[] = [];
    let index = 0;
    await Promise.all(
      [...databases].map(async (db) => {
        const name = `database-${index++}`;
        await ping(db).catch(() => failures.push(name));
      }),
    );
    if (failures.length > 0) return c.json({ status: "unavailable", failing: failures }, 503);
    return c.json({ status: "ready" });
  });
}
