/**
 * The shared PGlite (pglite.ts) must be indistinguishable from a new one: a test that closes its
 * instance leaves nothing behind for the next, and cannot reach it after closing.
 */
import type { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { openPglite } from "./pglite";

/** What a test could notice of an earlier one: schemas and their rights, relations, types, settings. */
async function state(client: PGlite): Promise<unknown> {
  const rows = async (text: string) => (await client.query(text)).rows;
  return {
    schemas: await rows(
      "select nspname, nspowner::regrole::text as owner, nspacl::text as acl, obj_description(oid, 'pg_namespace') as comment from pg_namespace order by nspname",
    ),
    relations: await rows(
      "select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') order by 1, 2",
    ),
    types: await rows("select count(*)::int as n from pg_type"),
    settings: await rows("select name, setting from pg_settings order by name"),
    prepared: await rows("select count(*)::int as n from pg_prepared_statements"),
  };
}

describe("openPglite", () => {
  it("hands back a used instance in the state of a fresh one", async () => {
    const first = await openPglite();
    const fresh = await state(first);
    await first.exec(`
      create table notes (id serial primary key, body text);
      insert into notes (body) values ('left behind');
      create schema elsewhere;
      create type mood as enum ('sad', 'happy');
      create table elsewhere.more (id int);
      prepare find as select 1;
      set search_path = elsewhere;
      set statement_timeout = 1234;
      begin;
      insert into public.notes (body) values ('in a transaction left open');`);
    await first.close();

    const second = await openPglite();
    expect(await state(second)).toEqual(fresh);
    await expect(second.query("select * from notes")).rejects.toThrow(/does not exist/);
    await second.close();
  });

  it("refuses queries once closed, as a closed PGlite does", async () => {
    const client = await openPglite();
    expect(client.closed).toBe(false);
    await client.close();
    expect(client.closed).toBe(true);
    expect(() => client.query("select 1")).toThrow(/closed/);
    // Closing twice is harmless.
    await client.close();
  });

  it("gives two instances open at the same time two databases", async () => {
    const [a, b] = await Promise.all([openPglite(), openPglite()]);
    await a.exec("create table only_in_a (id int)");
    await expect(b.query("select * from only_in_a")).rejects.toThrow(/does not exist/);
    await Promise.all([a.close(), b.close()]);
  });
});
