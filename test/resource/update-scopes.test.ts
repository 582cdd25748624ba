/**
 * Update scopes see the row as the database stores it after the change — what a trigger set
 * included — not the existing row merged with the request: a change a trigger carries outside
 * the scope is 403 with nothing written or published, and a change a trigger brings back inside
 * it is admitted. Single, batch and upsert updates, on every dialect (a BEFORE trigger on
 * PostgreSQL, an AFTER trigger on SQLite, whose RETURNING does not show what such a trigger set).
 */
import { getTableName, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { rsql } from "../../src";
import { onMutations, type Mutation } from "../../src/kernel/mutations";
import { send, usersApp } from "../helpers/app";
import type { TestDatabase } from "../helpers/dialects";
import { eachDialect } from "../helpers/suite";

const user = { id: 7, role: "user" };
let published: Mutation[] = [];
let stop: (() => void) | undefined;
function recordMutations(): void {
  published = [];
  stop = onMutations((mutations) => void published.push(...mutations));
}
afterEach(() => stop?.());

/** Runs raw SQL on either dialect. */
async function exec(t: TestDatabase, text: string): Promise<void> {
  const db = t.db as unknown as { run?(q: unknown): unknown; execute?(q: unknown): Promise<unknown> };
  if (t.name === "better-sqlite3") db.run!(sql.raw(text));
  else await db.execute!(sql.raw(text));
}

/** A trigger that sets `role` from `name` on update: "Boss" → admin, "Worker" → user. */
async function addRoleTrigger(t: TestDatabase): Promise<() => Promise<void>> {
  const table = getTableName(t.users);
  if (t.name === "better-sqlite3") {
    await exec(
      t,
      `create trigger "${table}_role" after update on "${table}" when new.name in ('Boss', 'Worker')
       begin update "${table}" set role = case new.name when 'Boss' then 'admin' else 'user' end where id = new.id; end`,
    );
    return async () => exec(t, `drop trigger if exists "${table}_role"`);
  }
  await exec(
    t,
    `create or replace function "${table}_role"() returns trigger language plpgsql as $$
     begin
       if new.name = 'Boss' then new.role := 'admin'; elsif new.name = 'Worker' then new.role := 'user'; end if;
       return new;
     end $$`,
  );
  await exec(
    t,
    `create trigger "${table}_role" before update on "${table}" for each row execute function "${table}_role"()`,
  );
  return async () => {
    await exec(t, `drop trigger if exists "${table}_role" on "${table}"`);
    await exec(t, `drop function if exists "${table}_role"()`);
  };
}

eachDialect("update scopes check the stored row", (use) => {
  let dropTrigger: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    dropTrigger = await addRoleTrigger(use());
  });
  afterAll(async () => {
    await dropTrigger?.();
  });

  const scoped = () =>
    usersApp(use(), { auth: { public: { read: true, create: true }, update: () => rsql`role=="user"` } });
  const create = async (app: ReturnType<typeof usersApp>, name: string) => {
    const res = await send(app, "POST", "/api/users", { body: { name, email: `${name.toLowerCase()}@x` }, user });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: number };
  };

  it("refuses a change a trigger carries outside the scope with 403, writing and publishing nothing", async () => {
    const app = scoped();
    const { id } = await create(app, "Ann");
    recordMutations();
    // Merged with the request the row is still role "user"; the trigger stores "admin".
    const res = await send(app, "PATCH", `/api/users/${id}`, { body: { name: "Boss" }, user });
    expect(res.status, res.text).toBe(403);
    expect(res.body.code).toBe("FORBIDDEN");
    expect((await send(app, "GET", `/api/users/${id}`)).body).toMatchObject({ name: "Ann", role: "user", version: 1 });
    expect(published).toEqual([]);
  });

  it("admits a change a trigger brings back inside the scope", async () => {
    const app = scoped();
    const { id } = await create(app, "Ann");
    // Merged with the request the row would be role "admin"; the trigger stores "user".
    const res = await send(app, "PATCH", `/api/users/${id}`, { body: { name: "Worker", role: "admin" }, user });
    expect(res.status, res.text).toBe(200);
    expect((await send(app, "GET", `/api/users/${id}`)).body).toMatchObject({ name: "Worker", role: "user" });
  });

  it("checks a replacement (PUT) against the stored row", async () => {
    const app = scoped();
    const { id } = await create(app, "Ann");
    const res = await send(app, "PUT", `/api/users/${id}`, { body: { name: "Boss", email: "ann@x" }, user });
    expect(res.status, res.text).toBe(403);
    expect((await send(app, "GET", `/api/users/${id}`)).body.name).toBe("Ann");
  });

  it("checks every row of a batch update against its stored form, all or nothing", async () => {
    const app = scoped();
    const a = await create(app, "Ann");
    const b = await create(app, "Bob");
    recordMutations();
    const res = await send(app, "PATCH", "/api/users/batch", {
      body: [
        { id: a.id, name: "Anna" },
        { id: b.id, name: "Boss" },
      ],
      user,
    });
    expect(res.status, res.text).toBe(403);
    expect(res.body.index).toBe(1);
    expect((await send(app, "GET", `/api/users/${a.id}`)).body.name).toBe("Ann");
    expect(published).toEqual([]);
  });

  it("checks the updated rows of an upsert against their stored form", async () => {
    const app = scoped();
    const a = await create(app, "Ann");
    const res = await send(app, "POST", "/api/users/batch/upsert", { body: [{ id: a.id, name: "Boss" }], user });
    expect(res.status, res.text).toBe(403);
    expect(res.body.index).toBe(0);
    expect((await send(app, "GET", `/api/users/${a.id}`)).body.name).toBe("Ann");
  });
});
