/**
 * Graceful shutdown with open subscriptions, on a real port in a child process: SIGTERM ends every
 * stream with a final `reconnect` event, new subscriptions are refused with 503 meanwhile, and the
 * drain completes (the shutdown deadline is a minute, so a stream left open would hang the test).
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { pushTables } from "../../src/db";
import { sqliteSchema } from "../helpers/schema";
import { openSseUrl } from "../helpers/sse";
import { startChildServer, type ChildServer } from "./child-server";

const dir = mkdtempSync(join(tmpdir(), "covara-rt-shutdown-"));
const children: ChildServer[] = [];
afterAll(async () => {
  await Promise.all(children.map((child) => child.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function database(): Promise<string> {
  const file = join(dir, `db-${children.length}.sqlite`);
  const client = new Database(file);
  await pushTables(drizzle(client), [sqliteSchema().users]);
  client.close();
  return file;
}

it("SIGTERM ends open streams with a reconnect event, refuses new ones, and the process exits cleanly", async () => {
  const server = await startChildServer({ DB_FILE: await database(), KV: "memory", HOOK_MS: "400" });
  children.push(server);
  const rows = await openSseUrl(`${server.url}/api/users/subscribe`);
  const aggregate = await openSseUrl(`${server.url}/api/users/aggregate/subscribe?groupBy=role`);
  await rows.reader.take(2);
  await aggregate.reader.take(2);
  const created = await fetch(`${server.url}/api/users`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "A", email: "a@x.io" }),
  });
  expect(created.status).toBe(201);
  expect((await rows.reader.next()).event).toBe("added");

  server.child.kill("SIGTERM");
  await server.line("HOOK RAN");
  // While the shutdown hooks run the server still answers: a new subscription is refused.
  const late = await fetch(`${server.url}/api/users/subscribe`, { headers: { connection: "close" } });
  expect(late.status).toBe(503);
  expect(late.headers.get("retry-after")).toBe("2");
  expect(await late.json()).toMatchObject({ code: "SHUTTING_DOWN", status: 503 });

  for (const stream of [rows, aggregate]) {
    const rest = await stream.reader.toEnd();
    const last = rest[rest.length - 1]!;
    expect(last.event).toBe("reconnect");
    expect(last.data).toMatchObject({ code: "SHUTTING_DOWN", status: 503, retryMs: 2000 });
  }
  expect(await server.exited).toEqual({ code: 0, signal: null });
});
