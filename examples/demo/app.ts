/**
 * The demo app: users and todos on embedded SQLite. Users are public to read; todos are public to
 * read and each user may only create, change and delete their own.
 */
import { rsql, createCovara } from "../../src";
import type { AnyDatabase } from "../../src";
import { todos, users } from "./schema";

/**
 * Demo identity: `Authorization: Bearer demo-<userId>`. It stands in for real authentication so
 * the scopes can be tried from curl; never use it in an application.
 */
function demoUser(header: string | undefined) {
  const match = /^Bearer demo-(\d+)$/.exec(header ?? "");
  return match ? { id: Number(match[1]) } : null;
}

export function createDemoApp(db: AnyDatabase) {
  return createCovara({ cors: true, authenticate: (c) => demoUser(c.req.header("authorization")) })
    .resource("/users", users, {
      id: users.id,
      db,
      auth: { public: { read: true } },
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
