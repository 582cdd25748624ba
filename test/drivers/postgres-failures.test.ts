/**
 * Postgres trouble on every server driver (postgres-js, node-postgres, the Neon Pool): a
 * serialization failure or deadlock aborts a transaction, which is retried and succeeds, or
 * becomes a 409 / 503 problem when it keeps failing; a backend terminated under a request is a
 * 503 and the next requests recover; a pool with no free connection is a 503 until one frees up.
 * Failures are injected by a trigger (a sequence counts attempts: sequences ignore rollbacks),
 * and only this file's own backends are terminated, found by their unique application_name.
 */
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushTables } from "../../src/db";
import { send, usersApp } from "../helpers/app";
import type { TestDatabase } from "../helpers/dialects";
import {
  DATABASE_URL,
  driverTargets,
  probePostgres,
  type ConnectOptions,
  type DriverConnection,
  type DriverName,
} from "../helpers/drivers";
import { pgSchema } from "../helpers/schema";

const reason = await probePostgres();
if (reason) console.warn(`[covara tests] skipping Postgres failure tests: ${reason}`);

const SERVER_DRIVERS: DriverName[] = ["postgres-js", "node-postgres", "neon-serverless"];

/** The users table on a fresh connection, shaped like the behaviour suites' TestDatabase. */
async function openUsers(
  driver: DriverName,
  options: ConnectOptions = {},
): Promise<{ t: TestDatabase; connection: DriverConnection }> {
  const connection = await driverTargets[driver].connect(options);
  const { users, notes } = pgSchema();
  await pushTables(connection.db, [users, notes]);
  const t: TestDatabase = {
    name: driver,
    dialect: "pg",
    db: connection.db,
    users,
    notes,
    connection,
    reset: async () => {},
    close: () => connection.close(),
  };
  return { t, connection };
}

/** Terminates every backend of one connection (by its application_name), from a separate one. */
async function terminateBackends(applicationName: string): Promise<number> {
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    const rows =
      await admin`select pg_terminate_backend(pid) as gone from pg_stat_activity where application_name = ${applicationName} and pid <> pg_backend_pid()`;
    return rows.length;
  } finally {
    await admin.end({ timeout: 2 });
  }
}

const rows = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ name: `n${from + i}`, email: `n${from + i}@x.io` }));

describe.skipIf(reason !== null).each(SERVER_DRIVERS)("Postgres failures [%s]", (driver) => {
  describe("aborted transactions", () => {
    let opened: Awaited<ReturnType<typeof openUsers>>;
    beforeAll(async () => {
      opened = await openUsers(driver);
      // Every insert asks the budget: while attempts stay within it, the insert fails with its code.
      await opened.connection.query(`
        create sequence attempts;
        create table fault (budget int not null, code text not null);
        insert into fault values (0, '40001');
        create function inject_fault() returns trigger language plpgsql as $$
        declare f fault%rowtype;
        begin
          select * into f from fault;
          if nextval('attempts') <= f.budget then raise exception 'injected fault' using errcode = f.code; end if;
          return new;
        end $$;
        create trigger inject before insert on users for each row execute function inject_fault();`);
    });
    afterAll(() => opened.connection.close());

    async function arm(budget: number, code: string) {
      await opened.connection.query(
        `update fault set budget = ${budget}, code = '${code}'; alter sequence attempts restart;`,
      );
      await opened.connection.query("delete from users");
    }
    const attempts = async () =>
      Number((await opened.connection.query("select last_value from attempts"))[0]!.last_value);
    const count = async () => Number((await opened.connection.query("select count(*) as n from users"))[0]!.n);

    it("retries a transaction aborted as a serialization failure or deadlock, and it succeeds", async () => {
      const app = usersApp(opened.t);
      for (const code of ["40001", "40P01"]) {
        await arm(2, code);
        const res = await send(app, "POST", "/api/users/batch", { body: rows(2) });
        expect(res.status, code).toBe(201);
        expect(await count()).toBe(2);
        // Two aborted attempts, then one whose two inserts both passed.
        expect(await attempts()).toBe(4);
      }
    });

    it("answers 409 (serialization failure) or 503 (deadlock) with Retry-After when retries run out, writing nothing", async () => {
      const app = usersApp(opened.t);
      await arm(1000, "40001");
      const conflict = await send(app, "POST", "/api/users/batch", { body: rows(2) });
      expect(conflict.status).toBe(409);
      expect(conflict.body).toMatchObject({
        code: "CONFLICT",
        detail: expect.stringMatching(/concurrent transaction/),
      });
      expect(conflict.headers.get("retry-after")).toBe("1");
      expect(await attempts()).toBe(4);
      await arm(1000, "40P01");
      const deadlock = await send(app, "POST", "/api/users", { body: rows(1)[0] });
      expect(deadlock.status).toBe(503);
      expect(deadlock.body).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
      expect(deadlock.text).not.toMatch(/injected|insert into/);
      expect(await count()).toBe(0);
    });
  });

  it("answers 503 when its backend is terminated mid-request, then recovers", async () => {
    const { t, connection } = await openUsers(driver);
    try {
      const app = usersApp(t);
      // A custom route on the app: its database errors get the same problems as the resources'.
      app.get("/slow", async (c) => {
        await (t.db as { execute(q: unknown): Promise<unknown> }).execute(sql`select pg_sleep(10)`);
        return c.json({ slept: true });
      });
      expect((await send(app, "POST", "/api/users", { body: rows(1)[0] })).status).toBe(201);
      const slow = send(app, "GET", "/slow");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await terminateBackends(connection.applicationName!)).toBeGreaterThan(0);
      const killed = await slow;
      expect(killed.status).toBe(503);
      expect(killed.body).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
      expect(killed.headers.get("retry-after")).toBe("1");
      // Idle connections died too: a request may still meet one (503), but never a 500, and it heals.
      const statuses: number[] = [];
      for (let i = 0; i < 5 && statuses.at(-1) !== 200; i++)
        statuses.push((await send(app, "GET", "/api/users")).status);
      expect(statuses.at(-1)).toBe(200);
      expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
      expect((await send(app, "GET", "/api/users")).body.items).toHaveLength(1);
    } finally {
      await connection.close();
    }
  });

  // postgres-js has no acquire timeout of its own; the helper adds covara's withAcquireTimeout.
  it("answers 503 while every pooled connection is busy, then serves again", async () => {
    const { t, connection } = await openUsers(driver, { max: 1, acquireTimeoutMs: 200 });
    try {
      const app = usersApp(t);
      app.get("/slow", async (c) => {
        await (t.db as { execute(q: unknown): Promise<unknown> }).execute(sql`select pg_sleep(2)`);
        return c.json({ slept: true });
      });
      const slow = send(app, "GET", "/slow");
      await new Promise((resolve) => setTimeout(resolve, 100));
      // A read and a write wait for the pool together (well within the 2 s the connection is held).
      const [exhausted, write] = await Promise.all([
        send(app, "GET", "/api/users"),
        send(app, "POST", "/api/users", { body: rows(1, 100)[0] }),
      ]);
      expect(exhausted.status).toBe(503);
      expect(exhausted.headers.get("content-type")).toContain("application/problem+json");
      expect(exhausted.body).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
      expect(exhausted.headers.get("retry-after")).toBe("1");
      // The write failed the same way and was never sent: nothing is created.
      expect(write.status).toBe(503);
      expect((await slow).status).toBe(200);
      const after = await send(app, "GET", "/api/users");
      expect(after.status).toBe(200);
      expect(after.body.items).toHaveLength(0);
      expect((await send(app, "POST", "/api/users", { body: rows(1, 200)[0] })).status).toBe(201);
    } finally {
      await connection.close();
    }
  });
});
