/**
 * Resource extensions: the csvExport example of docs/extensions.md mounted on a real resource
 * (routes before /:id, the list's scope, filter and masking, per-resource config by declaration
 * merging, early refusal of a bad config, OpenAPI), the extension list of createCovara and
 * useResource, and the defaults (search and subscriptions) kept.
 */
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createCovara, defaultExtensions, useResource, type ResourceExtension } from "../../src";
import { csvExport } from "../../examples/extensions/csv-export";
import { send } from "../helpers/app";

const notes = sqliteTable("ext_notes", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  title: text("title").notNull(),
  owner: text("owner").notNull(),
  secret: text("secret"),
});

function database() {
  const sqlite = new Database(":memory:");
  sqlite.exec(
    "CREATE TABLE ext_notes (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, owner TEXT NOT NULL, secret TEXT)",
  );
  const db = drizzle(sqlite);
  db.insert(notes)
    .values([
      { title: "alpha", owner: "ann", secret: "s1" },
      { title: "beta, with comma", owner: "bob", secret: "s2" },
      { title: "gamma", owner: "ann", secret: "s3" },
    ])
    .run();
  return db;
}

function notesApp(extensions: readonly ResourceExtension[], csv?: { fields?: string[] } | false) {
  const db = database();
  return createCovara({
    extensions,
    authenticate: (c) => (c.req.header("x-user") ? { id: c.req.header("x-user")! } : null),
  }).resource("/notes", notes, {
    id: notes.id,
    db,
    fields: { readable: ["id", "title", "owner"] },
    auth: { read: (user) => `owner==${user.id}` },
    ...(csv === undefined ? {} : { csvExport: csv }),
  });
}

describe("resource extensions", () => {
  it("the docs example is the file the tests run", () => {
    const docs = readFileSync(new URL("../../docs/extensions.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("../../examples/extensions/csv-export.ts", import.meta.url), "utf8");
    expect(docs).toContain(example.trim());
  });

  it("mounts the extension's route before /:id, inside the caller's read scope and field mask", async () => {
    const app = notesApp([...defaultExtensions(), csvExport()]);
    const res = await app.request("/api/notes/export.csv?orderBy=title:desc", { headers: { "x-user": "ann" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/csv/);
    expect(await res.text()).toBe("id,title,owner\r\n3,gamma,ann\r\n1,alpha,ann\r\n");
    const bob = await app.request("/api/notes/export.csv", { headers: { "x-user": "bob" } });
    expect(await bob.text()).toBe('id,title,owner\r\n2,"beta, with comma",bob\r\n');
  });

  it("answers bad input and missing auth with the list endpoint's problems", async () => {
    const app = notesApp([csvExport()]);
    expect((await send(app, "GET", "/api/notes/export.csv")).status).toBe(401);
    const bad = await send(app, "GET", "/api/notes/export.csv?filter=nope==1", { headers: { "x-user": "ann" } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toMatch(/problem\+json/);
    const select = await send(app, "GET", "/api/notes/export.csv?select=title", { headers: { "x-user": "ann" } });
    expect(select.status).toBe(400);
    expect(select.body.code).toBe("INVALID_PARAMETER");
  });

  it("takes its per-resource option from the resource config, and refuses a bad one at mount", async () => {
    const some = notesApp([csvExport()], { fields: ["title"] });
    expect(await (await some.request("/api/notes/export.csv", { headers: { "x-user": "ann" } })).text()).toBe(
      "title\r\nalpha\r\ngamma\r\n",
    );
    const off = notesApp([csvExport()], false);
    // Off for this resource: `export.csv` is then read as an id, which an integer key refuses.
    expect((await send(off, "GET", "/api/notes/export.csv", { headers: { "x-user": "ann" } })).body.code).toBe(
      "INVALID_ID",
    );
    expect(() => notesApp([csvExport()], { fields: ["secret"] })).toThrow(/csvExport.fields names 'secret'/);
  });

  it("adds its paths to the OpenAPI document", async () => {
    const doc = (await send(notesApp([...defaultExtensions(), csvExport()]), "GET", "/__covara/openapi.json")).body;
    expect(doc.paths["/api/notes/export.csv"].get.operationId).toBe("exportCsvExtNotes");
    expect(doc.paths["/api/notes/subscribe"]).toBeDefined();
    const bare = (await send(notesApp([]), "GET", "/__covara/openapi.json")).body;
    expect(bare.paths["/api/notes/subscribe"]).toBeUndefined();
    expect(bare.paths["/api/notes/export.csv"]).toBeUndefined();
  });

  it("keeps search and subscriptions by default, and an empty list removes them", async () => {
    const user = { headers: { "x-user": "ann" } };
    const defaults = notesApp(defaultExtensions());
    expect((await send(defaults, "GET", "/api/notes/search?q=x", user)).body.detail).toMatch(
      /Search is not configured/,
    );
    const bare = notesApp([]);
    // Without the extensions, `search` and `subscribe` are ids like any other.
    expect((await send(bare, "GET", "/api/notes/search", user)).status).toBe(400);
    expect((await send(bare, "GET", "/api/notes/subscribe", user)).status).toBe(400);

    const router = new Hono().route(
      "/notes",
      useResource(
        notes,
        { id: notes.id, db: database(), auth: { public: { read: true } } },
        { extensions: [csvExport()] },
      ),
    );
    expect((await router.request("/notes/export.csv")).status).toBe(200);
    expect((await router.request("/notes/subscribe")).status).toBe(400);
  });

  it("refuses two extensions of the same name", () => {
    expect(() => notesApp([csvExport(), csvExport()])).toThrow(/'csvExport' is listed twice/);
  });
});

describe("the write path of an extension", () => {
  const open = { public: { read: true, create: true, update: true, delete: true } } as const;
  const audit = sqliteTable("ext_audit", {
    id: integer("id").primaryKey({ autoIncrement: true }),
    noteId: integer("note_id").notNull(),
    op: text("op").notNull(),
  });

  /** Records every committed write (afterCommit) and writes an audit row beside each one (joinWrites). */
  function auditing(heard: string[], failing = false): ResourceExtension {
    return {
      name: "audit",
      init(resource) {
        resource.joinWrites({
          key: "audit",
          db: resource.db,
          prepare: async () => {},
          rowsFor: (op, row) => [{ table: audit, values: { noteId: row.id, op } }],
        });
      },
      mount() {},
      afterCommit(resource, mutations) {
        if (failing) throw new Error("an audit listener failed");
        for (const m of mutations) heard.push(`${resource.name}:${m.op}:${m.id}`);
      },
    };
  }

  function auditedApp(heard: string[], failing = false) {
    const sqlite = new Database(":memory:");
    sqlite.exec(
      "CREATE TABLE ext_notes (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, owner TEXT NOT NULL, secret TEXT)",
    );
    sqlite.exec(
      "CREATE TABLE ext_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, note_id INTEGER NOT NULL, op TEXT NOT NULL)",
    );
    const db = drizzle(sqlite);
    const errors: unknown[] = [];
    const app = createCovara({
      extensions: [auditing(heard, failing)],
      logger: { error: (_m, error) => void errors.push(error), warn() {} },
    });
    app.resource("/notes", notes, { id: notes.id, db, auth: open });
    return { app, db, errors };
  }

  it("afterCommit hears the resource's committed writes of its own app only; joinWrites rows commit with them", async () => {
    const heard: string[] = [];
    const other: string[] = [];
    const { app, db } = auditedApp(heard);
    const second = auditedApp(other);
    expect((await send(app, "POST", "/api/notes", { body: { title: "a", owner: "ann" } })).status).toBe(201);
    expect(
      (
        await send(app, "POST", "/api/notes/batch", {
          body: [
            { title: "b", owner: "ann" },
            { title: "c", owner: "bob" },
          ],
        })
      ).status,
    ).toBe(201);
    expect((await send(app, "DELETE", "/api/notes/1")).status).toBe(204);
    expect(heard).toEqual(["ext_notes:create:1", "ext_notes:create:2", "ext_notes:create:3", "ext_notes:delete:1"]);
    expect(other).toEqual([]);
    expect(
      db
        .select()
        .from(audit)
        .all()
        .map((row) => [row.noteId, row.op]),
    ).toEqual([
      [1, "create"],
      [2, "create"],
      [3, "create"],
      [1, "delete"],
    ]);
    // A refused write leaves no companion row.
    expect((await send(app, "POST", "/api/notes", { body: { title: null, owner: "ann" } })).status).toBe(400);
    expect(db.select().from(audit).all()).toHaveLength(4);
    await Promise.all([app.realtime.close(), second.app.realtime.close()]);
  });

  it("a failing afterCommit is logged by the app and never fails the write", async () => {
    const { app, errors } = auditedApp([], true);
    expect((await send(app, "POST", "/api/notes", { body: { title: "a", owner: "ann" } })).status).toBe(201);
    expect(errors).toEqual([expect.objectContaining({ message: "an audit listener failed" })]);
    await app.realtime.close();
  });
});
