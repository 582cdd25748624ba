/** The pure parts of `covara dev`: sorting a push, choosing the database, the dependencies' key. */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dependenciesKey } from "../../src/cli/dev/dev-cache";
import { classifyPush, isAdditive, reasonFor } from "../../src/cli/dev/classify";
import { resolveDatabase, type ProjectConfig } from "../../src/cli/project/config";
import { absoluteFileUrl, dialectOfUrl, redact } from "../../src/cli/project/database";

describe("classifyPush", () => {
  it.each([
    "CREATE TABLE `posts` (`id` integer PRIMARY KEY)",
    "CREATE UNIQUE INDEX `a` ON `t` (`b`);",
    "ALTER TABLE `todos` ADD `note` text;",
    'ALTER TABLE "todos" ADD COLUMN "n" integer DEFAULT 0 NOT NULL;',
    "CREATE TYPE \"public\".\"mood\" AS ENUM('sad', 'ok');",
  ])("additive: %s", (statement) => expect(isAdditive(statement)).toBe(true));

  it.each([
    "ALTER TABLE `todos` ADD `prio` integer NOT NULL;",
    'ALTER TABLE "todos" DROP COLUMN "note";',
    "DROP TABLE `todos`;",
    'ALTER TABLE "todos" ALTER COLUMN "n" SET DATA TYPE text;',
    "delete from todos;",
    'ALTER TABLE "todos" RENAME COLUMN "a" TO "b";',
  ])("destructive: %s", (statement) => expect(isAdditive(statement)).toBe(false));

  it("holds back the whole push when one statement is destructive or drizzle-kit reports data loss", () => {
    const add = "ALTER TABLE `t` ADD `a` text;";
    const drop = "DROP TABLE `u`;";
    expect(classifyPush([add], [], false)).toEqual({ additive: [add], destructive: [], warnings: [] });
    expect(classifyPush([add, drop], [], false)).toEqual({ additive: [], destructive: [add, drop], warnings: [] });
    expect(classifyPush([add], ["rows would go"], true).destructive).toEqual([add]);
  });

  it("explains a NOT NULL column without a default", () => {
    expect(reasonFor("ALTER TABLE `todos` ADD `prio` integer NOT NULL;")).toContain(
      "NOT NULL column without a default",
    );
  });
});

describe("resolveDatabase", () => {
  const config: ProjectConfig = {
    dir: "/p",
    schema: "/p/src/schema.ts",
    app: "/p/src/app.ts",
    clientTypes: undefined,
    migrations: "/p/migrations",
    seed: "/p/src/seed.ts",
    defaultProfile: "local",
    profiles: { local: { url: "file:./data.db" }, turso: { url: "libsql://db.turso.io", authToken: "t" } },
  };

  it("prefers --profile, then COVARA_DB_PROFILE, then DATABASE_URL, then the default profile", () => {
    expect(
      resolveDatabase(config, "turso", { COVARA_DB_PROFILE: "local", DATABASE_URL: "postgres://x" }),
    ).toMatchObject({ name: "turso", authToken: "t" });
    expect(
      resolveDatabase(config, undefined, { COVARA_DB_PROFILE: "turso", DATABASE_URL: "postgres://x" }),
    ).toMatchObject({ name: "turso" });
    expect(resolveDatabase(config, undefined, { DATABASE_URL: "postgres://x" })).toMatchObject({
      name: "DATABASE_URL",
      url: "postgres://x",
    });
    expect(resolveDatabase(config, undefined, {})).toMatchObject({ name: "local", url: "file:./data.db" });
  });

  it("names the known profiles when the one asked for does not exist", () => {
    expect(() => resolveDatabase(config, "prod", {})).toThrow(/unknown database profile "prod"/);
    try {
      resolveDatabase(config, "prod", {});
    } catch (error) {
      expect((error as { hint?: string }).hint).toContain("local, turso");
    }
  });

  it("says how to fix a missing DATABASE_URL", () => {
    expect(() => resolveDatabase({ ...config, profiles: {}, defaultProfile: undefined }, undefined, {})).toThrow(
      /DATABASE_URL is not set/,
    );
  });

  it("tells dialects by URL, anchors file: URLs to the project and hides passwords", () => {
    expect(dialectOfUrl("postgresql://u@h/db")).toBe("pg");
    expect(dialectOfUrl("libsql://x.turso.io")).toBe("sqlite");
    expect(() => dialectOfUrl("mysql://x")).toThrow(/cannot tell the database/);
    expect(absoluteFileUrl("file:./data.db", "/p")).toBe("file:/p/data.db");
    expect(absoluteFileUrl("file:/abs.db", "/p")).toBe("file:/abs.db");
    expect(redact("postgres://u:secret@h/db")).toBe("postgres://u:***@h/db");
  });
});

describe("dependenciesKey (when the dev preload list is dropped)", () => {
  it("changes when package.json or a lockfile changes, and only then", () => {
    const dir = mkdtempSync(join(tmpdir(), "covara-deps-key-"));
    try {
      writeFileSync(join(dir, "package.json"), '{"dependencies":{"a":"1"}}');
      const first = dependenciesKey(dir);
      expect(dependenciesKey(dir)).toBe(first);
      writeFileSync(join(dir, "package-lock.json"), "{}");
      const withLock = dependenciesKey(dir);
      expect(withLock).not.toBe(first);
      // The same size, a later modification time: an install rewrote it.
      const later = new Date(Date.now() + 60_000);
      utimesSync(join(dir, "package-lock.json"), later, later);
      expect(dependenciesKey(dir)).not.toBe(withLock);
      const settled = dependenciesKey(dir);
      writeFileSync(join(dir, "src.ts"), "export {};");
      expect(dependenciesKey(dir)).toBe(settled);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
