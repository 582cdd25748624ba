/**
 * The open default is named at start-up: a resource with no auth rule for an operation gets one
 * warning per resource and operation (not per app or request), none in production, and none once
 * a rule states the intent (`auth.update: () => true`).
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCovara, rsql } from "../../src";
import { pushTables } from "../../src/db";
import {
  resetOpenAccessWarnings,
  setOpenAccessWarningSink,
  type OpenAccessWarningSink,
} from "../../src/resource/open-access-warning";
import type { ResourceAuthConfig } from "../../src/resource/types";

const notes = sqliteTable("open_warning_notes", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  body: text("body").notNull(),
  ownerId: integer("owner_id").notNull(),
});

const db = drizzle(new Database(":memory:"));
await pushTables(db, [notes]);

function appWith(auth: ResourceAuthConfig | undefined) {
  return createCovara({ authenticate: (c) => (c.req.header("authorization") ? { id: 1 } : null) }).resource(
    "/notes",
    notes,
    { id: notes.id, db, ...(auth ? { auth } : {}) },
  );
}

describe("open-access warnings", () => {
  const warnings: string[] = [];
  let previous: OpenAccessWarningSink;
  const nodeEnv = process.env.NODE_ENV;
  beforeEach(() => {
    warnings.length = 0;
    resetOpenAccessWarnings();
    // The test setup silences the warning for every other file; here it is captured.
    previous = setOpenAccessWarningSink((message) => void warnings.push(message));
  });
  afterEach(() => {
    setOpenAccessWarningSink(previous);
    process.env.NODE_ENV = nodeEnv;
  });

  it("names each open operation of a resource exactly once, however many apps and requests", async () => {
    const app = appWith(undefined);
    appWith(undefined);
    await app.request("/api/notes", { headers: { authorization: "x" } });
    expect(warnings).toHaveLength(4);
    for (const operation of ["read", "create", "update", "delete"]) {
      expect(warnings.filter((warning) => warning.includes(`no auth.${operation} rule`))).toHaveLength(1);
    }
    expect(warnings[2]).toBe(
      '[covara] resource "open_warning_notes" has no auth.update rule, so EVERY signed-in user may update EVERY row. ' +
        "Add auth.update: (user) => rsql`...` to limit it, or auth.update: () => true if it is meant to be open.",
    );
  });

  it("says nothing for an operation with a rule, an explicit () => true, or a public true", () => {
    appWith({
      public: { read: true },
      create: () => true,
      update: (user) => rsql`ownerId==${user.id}`,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("no auth.delete rule");
  });

  it("an explicit () => true still lets every signed-in user do it (the intent, now stated)", async () => {
    const app = appWith({ create: () => true, read: () => true, update: () => true, delete: () => true });
    expect(warnings).toEqual([]);
    const created = await app.request("/api/notes", {
      method: "POST",
      headers: { authorization: "x", "content-type": "application/json" },
      body: JSON.stringify({ body: "hello", ownerId: 2 }),
    });
    expect(created.status).toBe(201);
  });

  it("is not given in production", () => {
    process.env.NODE_ENV = "production";
    appWith(undefined);
    expect(warnings).toEqual([]);
  });

  it("goes to console.warn by default, once per resource and operation", () => {
    setOpenAccessWarningSink();
    const original = console.warn;
    const seen: unknown[][] = [];
    console.warn = (...args: unknown[]) => void seen.push(args);
    try {
      appWith({ read: () => true, create: () => true, delete: () => true });
      appWith({ read: () => true, create: () => true, delete: () => true });
    } finally {
      console.warn = original;
    }
    expect(seen).toHaveLength(1);
    expect(String(seen[0]![0])).toContain("no auth.update rule");
  });
});
