/**
 * An admin UI test app: SQLite (better-sqlite3) with a todos resource scoped to its owner, a file
 * resource over memory storage, a header identity (x-test-user: JSON), an in-memory userManager,
 * and helpers to fetch admin pages and post their forms with the CSRF token.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createCovara, rsql } from "../../../src";
import type { AdminOptions, AdminUserManager } from "../../../src/admin";
import { pushTables } from "../../../src/db";
import { createMemoryStorage } from "../../../src/files";
import { ProblemError } from "../../../src/kernel/errors";
import type { CovaraUser } from "../../../src/kernel/http";

export const todos = sqliteTable("todos", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  title: text("title").notNull(),
  done: integer("done", { mode: "boolean" }).notNull().default(false),
  ownerId: text("owner_id").notNull(),
  notes: text("notes"),
});

export const attachments = sqliteTable("attachments", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  key: text("key").notNull(),
  name: text("name").notNull(),
  size: integer("size").notNull(),
  mimeType: text("mime_type").notNull(),
  hash: text("hash").notNull(),
  userId: text("user_id"),
});

export const ADMIN: CovaraUser = { id: "root", role: "admin", name: "Root" };
export const ANN: CovaraUser = { id: "ann", role: "member", name: "Ann" };
export const BOB: CovaraUser = { id: "bob", role: "member", name: "Bob" };
/** An admin user that is not root: impersonating them must not yield the bypass. */
export const ADA: CovaraUser = { id: "ada", roles: ["admin"], name: "Ada" };

/** Every user the userManager knows. */
export const USERS = [ADMIN, ANN, BOB, ADA];

export function userManager(extra: Partial<AdminUserManager> = {}): AdminUserManager {
  return {
    getUser: async (id) => USERS.find((user) => user.id === id) ?? null,
    listUsers: async ({ limit, offset }) => USERS.slice(offset, offset + limit),
    ...extra,
  };
}

/** Calls made to the todos hooks, to prove writes ran through the resource. */
export interface HookLog {
  created: Array<{ title: unknown; by: unknown }>;
  updated: unknown[];
  deleted: unknown[];
}

export async function adminApp(
  admin: AdminOptions | false = { userManager: userManager(), apiKeys: ["admin-key-1234567890"] },
) {
  const sqlite = new Database(":memory:");
  const db = drizzle(sqlite);
  await pushTables(db, [todos, attachments]);
  const hooks: HookLog = { created: [], updated: [], deleted: [] };
  const storage = createMemoryStorage();
  const app = createCovara({
    authenticate: (c) => {
      const header = c.req.header("x-test-user");
      return header ? JSON.parse(header) : null;
    },
    admin,
  })
    .resource("/todos", todos, {
      db,
      id: todos.id,
      name: "todos",
      auth: {
        read: (user) => rsql`ownerId==${String(user.id)}`,
        create: (user) => rsql`ownerId==${String(user.id)}`,
        update: (user) => rsql`ownerId==${String(user.id)}`,
        delete: (user) => rsql`ownerId==${String(user.id)}`,
      },
      hooks: {
        onBeforeCreate: (ctx, data) => {
          // The resource's own validation, which the admin UI must not skip.
          if (typeof data.title !== "string" || data.title.trim() === "")
            throw new ProblemError("validation-error", { detail: "title must not be empty" });
          hooks.created.push({ title: data.title, by: ctx.user?.id });
        },
        onAfterUpdate: (ctx) => {
          hooks.updated.push(ctx.user?.id);
        },
        onAfterDelete: (ctx) => {
          hooks.deleted.push(ctx.user?.id);
        },
      },
    })
    .fileResource("/attachments", attachments, {
      db,
      id: attachments.id,
      name: "attachments",
      storage,
      auth: { read: (user) => rsql`userId==${String(user.id)}`, create: () => true, delete: () => true },
    });
  const insert = (row: { title: string; ownerId: string; done?: boolean; notes?: string | null }) =>
    sqlite
      .prepare("insert into todos (title, owner_id, done, notes) values (?, ?, ?, ?)")
      .run(row.title, row.ownerId, row.done ? 1 : 0, row.notes ?? null);
  const rows = () => sqlite.prepare("select * from todos order by id").all() as Record<string, unknown>[];
  return { app, db, sqlite, hooks, insert, rows, storage, close: () => sqlite.close() };
}

export type AdminTestApp = Awaited<ReturnType<typeof adminApp>>["app"];

/** Headers acting as `user`. */
export function as(user: CovaraUser | null, extra: Record<string, string> = {}): Record<string, string> {
  return user === null ? extra : { "x-test-user": JSON.stringify(user), ...extra };
}

/** The CSRF token of an admin page's first form. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error("no CSRF token on the page");
  return match[1]!;
}

/** Posts a url-encoded form as `user`. */
export function postForm(
  app: AdminTestApp,
  path: string,
  user: CovaraUser | null,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return app.request(path, {
    method: "POST",
    headers: as(user, { "content-type": "application/x-www-form-urlencoded", ...headers }),
    body: new URLSearchParams(fields).toString(),
  });
}

/** An admin page's HTML, expecting `status`. */
export async function page(
  app: AdminTestApp,
  path: string,
  user: CovaraUser | null = ADMIN,
  status = 200,
): Promise<string> {
  const response = await app.request(path, { headers: as(user) });
  const html = await response.text();
  if (response.status !== status)
    throw new Error(`${path}: ${response.status} (expected ${status}) ${html.slice(0, 300)}`);
  return html;
}
