/**
 * The demo app: users and todos on embedded SQLite. Users are public to read; each user may change
 * or delete only themselves (an admin anyone), and only an admin may add users. Todos are public
 * to read and each user may only create, change and delete their own.
 */
import { eq } from "drizzle-orm";
import { rsql, createCovara } from "../../src";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type { CovaraUser } from "../../src";
import { todos, users } from "./schema";

/**
 * Demo identity: `Authorization: Bearer demo-<userId>`, naming an existing user (whose `role` comes
 * from the table). It stands in for real authentication so the scopes can be tried from curl;
 * never use it in an application.
 */
async function demoUser(db: BetterSQLite3Database, header: string | undefined): Promise<CovaraUser | null> {
  const match = /^Bearer demo-(\d+)$/.exec(header ?? "");
  if (!match) return null;
  const id = Number(match[1]);
  const [row] = await db.select({ role: users.role }).from(users).where(eq(users.id, id)).limit(1);
  return row ? { id, role: row.role } : null;
}

const isAdmin = (user: CovaraUser) => user.role === "admin";

export function createDemoApp(db: BetterSQLite3Database) {
  return createCovara({ cors: true, authenticate: (c) => demoUser(db, c.req.header("authorization")) })
    .resource("/users", users, {
      id: users.id,
      db,
      auth: {
        public: { read: true },
        // Without these every signed-in user could edit or delete every user.
        create: (user) => isAdmin(user),
        update: (user) => (isAdmin(user) ? true : rsql`id==${user.id}`),
        delete: (user) => (isAdmin(user) ? true : rsql`id==${user.id}`),
      },
      fields: { writable: ["name", "email"] },
      // todos.userId references users.id: users get `todos`, todos get `user` (?include=user).
      autoRelations: true,
    })
    .resource("/todos", todos, {
      id: todos.id,
      db,
      pagination: { defaultLimit: 20, maxLimit: 100 },
      strictInput: true,
      autoRelations: true,
      auth: {
        public: { read: true },
        create: (user) => rsql`userId==${user.id}`,
        update: (user) => rsql`userId==${user.id}`,
        delete: (user) => rsql`userId==${user.id}`,
      },
      // A todo belongs to whoever creates it unless the body says otherwise (the scope still applies).
      generatedFields: { createdAt: () => new Date(), userId: (ctx) => ctx.user?.id },
    });
}
