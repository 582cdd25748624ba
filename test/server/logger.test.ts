/**
 * One logger per app: what covara used to print with console.error goes to the app's `logger`,
 * never to another app's, and the deprecated reporter setters still reach apps without one.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCovara, type Logger } from "../../src";
import { setUnexpectedErrorReporter } from "../../src/server";

const items = sqliteTable("log_items", { id: integer("id").primaryKey(), name: text("name").notNull() });

function app(logger?: Logger) {
  const sqlite = new Database(":memory:");
  sqlite.exec("CREATE TABLE log_items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  return createCovara({ logger }).resource("/items", items, {
    id: items.id,
    db: drizzle(sqlite),
    auth: { public: { read: true } },
    hooks: {
      onBeforeList: () => {
        throw new Error("hook exploded");
      },
    },
  });
}

function recorder() {
  const errors: { message: string; error: unknown; meta?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    error: (message, error, meta) => void errors.push({ message, error, meta }),
    warn: () => {},
  };
  return { logger, errors };
}

afterEach(() => vi.restoreAllMocks());

describe("the app logger", () => {
  it("receives the unexpected errors that used to go to console.error, and only its own app's", async () => {
    const console_ = vi.spyOn(console, "error").mockImplementation(() => {});
    const first = recorder();
    const second = recorder();
    const a = app(first.logger);
    const b = app(second.logger);
    const res = await a.request("/api/items");
    expect(res.status).toBe(500);
    expect(await res.text()).not.toMatch(/hook exploded/);
    expect(first.errors).toHaveLength(1);
    expect(first.errors[0]!.message).toBe("[covara] unexpected error on GET /api/items:");
    expect((first.errors[0]!.error as Error).message).toBe("hook exploded");
    expect(first.errors[0]!.meta).toMatchObject({ source: "unexpected-error", method: "GET", path: "/api/items" });
    expect(second.errors).toEqual([]);
    expect(console_).not.toHaveBeenCalled();
    await b.request("/api/items");
    expect(second.errors).toHaveLength(1);
    expect(first.errors).toHaveLength(1);
  });

  it("hands the app's logger to its realtime hub", () => {
    const { logger } = recorder();
    expect(app(logger).realtime.logger).toBe(logger);
  });

  it("defaults to the console through the default context, where the deprecated setter still applies", async () => {
    const console_ = vi.spyOn(console, "error").mockImplementation(() => {});
    expect((await app().request("/api/items")).status).toBe(500);
    expect(console_).toHaveBeenCalledTimes(1);
    expect(String(console_.mock.calls[0]![0])).toMatch(/unexpected error on GET \/api\/items/);

    const reported: string[] = [];
    setUnexpectedErrorReporter((error, c) =>
      reported.push(`${c.req.method} ${c.req.path}: ${(error as Error).message}`),
    );
    // (Test files run isolated, so the reporter stays in this file's default context.)
    expect((await app().request("/api/items")).status).toBe(500);
    expect(reported).toEqual(["GET /api/items: hook exploded"]);
    expect(console_).toHaveBeenCalledTimes(1);
  });
});
