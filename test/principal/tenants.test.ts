/**
 * Two tenants that never see each other's rows: one line of scope (`tenantScope("tenantId")`) per
 * resource keeps REST list/get/update/delete, subscriptions (SSE), search and included relations
 * inside the principal's tenants. Memberships come from the app's resolver, once per request.
 */
import type { PGlite } from "@electric-sql/pglite";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { boolean, integer as pgInteger, pgTable, serial, text as pgText } from "drizzle-orm/pg-core";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  createCovara,
  createPostgresSearch,
  createSqliteFts5Search,
  rsql,
  myTenants,
  tenantScope,
  type Membership,
} from "../../src";
import { pushTables } from "../../src/db";
import { send } from "../helpers/app";
import { openSse, type SseReader } from "../helpers/sse";
import { openPglite } from "../helpers/pglite";

const projects = sqliteTable("projects", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  tenantId: integer("tenant_id").notNull(),
  name: text("name").notNull(),
  secret: integer("secret", { mode: "boolean" }).notNull().default(false),
});
const tasks = sqliteTable("tasks", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  tenantId: integer("tenant_id").notNull(),
  projectId: integer("project_id").notNull(),
  title: text("title").notNull(),
});
const pgProjects = pgTable("projects", {
  id: serial("id").primaryKey(),
  tenantId: pgInteger("tenant_id").notNull(),
  name: pgText("name").notNull(),
  secret: boolean("secret").notNull().default(false),
});
const pgTasks = pgTable("tasks", {
  id: serial("id").primaryKey(),
  tenantId: pgInteger("tenant_id").notNull(),
  projectId: pgInteger("project_id").notNull(),
  title: pgText("title").notNull(),
});

/** One PGlite for the file (it takes seconds to start); each test empties its tables. */
let pglite: Promise<{ client: PGlite; db: ReturnType<typeof drizzlePglite> }> | undefined;
afterAll(async () => {
  if (pglite) await (await pglite).client.close();
});

/** The same two tables on SQLite (FTS5 search) and on PGlite (tsvector search), empty. */
async function database(dialect: "sqlite" | "pglite") {
  if (dialect === "sqlite") {
    const sqlite = new Database(":memory:");
    const db = drizzle(sqlite);
    await pushTables(db, [projects, tasks]);
    return {
      db,
      projects,
      tasks,
      search: createSqliteFts5Search(),
      exec: async (sql: string) => void sqlite.exec(sql),
    };
  }
  pglite ??= (async () => {
    const client = await openPglite();
    const db = drizzlePglite(client);
    await pushTables(db, [pgProjects, pgTasks]);
    return { client, db };
  })();
  const { client, db } = await pglite;
  await client.exec("truncate projects, tasks restart identity");
  return {
    db,
    projects: pgProjects,
    tasks: pgTasks,
    search: createPostgresSearch(),
    exec: async (sql: string) => void (await client.exec(sql)),
  };
}

/** Users 1 and 2 belong to tenants 10 and 20; user 3 to both (reader in 20); user 4 to none. */
const MEMBERSHIPS: Record<number, Membership[]> = {
  1: [{ tenantId: 10, roles: ["owner"], clearance: 3 }],
  2: [{ tenantId: 20, roles: ["owner"], clearance: 1 }],
  3: [
    { tenantId: 10, roles: ["owner"], clearance: 2 },
    { tenantId: 20, roles: ["reader"], clearance: 0 },
  ],
  4: [],
};
const alice = { id: 1, name: "Alice" };
const bob = { id: 2, name: "Bob" };
const carol = { id: 3, name: "Carol" };
const dave = { id: 4, name: "Dave" };

const readers: SseReader[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.cancel()));
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function tenantApp(dialect: "sqlite" | "pglite") {
  const { db, projects, tasks, search, exec } = await database(dialect);
  const resolved: number[] = [];
  const app = createCovara({
    authenticate: (c) => {
      const header = c.req.header("x-test-user");
      return header ? JSON.parse(header) : null;
    },
    principal: {
      memberships: (user) => {
        resolved.push(Number(user.id));
        return MEMBERSHIPS[Number(user.id)] ?? [];
      },
    },
  })
    .resource("/projects", projects, {
      id: projects.id,
      db,
      name: "projects",
      search: { index: search, fields: ["name"] },
      auth: {
        read: tenantScope("tenantId"),
        create: tenantScope("tenantId", { role: "owner" }),
        update: tenantScope("tenantId", { role: "owner" }),
        delete: tenantScope("tenantId", { role: "owner" }),
      },
    })
    .resource("/tasks", tasks, {
      id: tasks.id,
      db,
      name: "tasks",
      relations: {
        project: {
          type: "belongsTo",
          resource: "projects",
          schema: projects,
          foreignKey: tasks.projectId,
          references: projects.id,
        },
      },
      // A tenant scope inside a larger filter: one line still.
      auth: { read: (_user, c) => rsql`${myTenants(c, "tenantId")};title!="hidden"`, create: () => true },
    });
  closers.push(() => app.realtime.close());
  // Straight into the database (the same SQL on both dialects). A task of tenant 20 points at a
  // project of tenant 10: the include must not leak it.
  await exec(
    "insert into projects (tenant_id, name) values (10, 'apollo roadmap'), (10, 'apollo budget'), (20, 'zeus roadmap');" +
      "insert into tasks (tenant_id, project_id, title) values (10, 1, 'plan'), (20, 3, 'ship'), (20, 1, 'spy');",
  );
  return { app, resolved };
}

const names = (body: { items: { name: string }[] }) => body.items.map((row) => row.name).sort();

describe.each(["sqlite", "pglite"] as const)(
  "tenant isolation through the principal on %s",
  { timeout: 180_000 },
  (dialect) => {
    it("lists and gets only the rows of the principal's tenants", async () => {
      const { app } = await tenantApp(dialect);
      expect(names((await send(app, "GET", "/api/projects", { user: alice })).body)).toEqual([
        "apollo budget",
        "apollo roadmap",
      ]);
      expect(names((await send(app, "GET", "/api/projects", { user: bob })).body)).toEqual(["zeus roadmap"]);
      expect(names((await send(app, "GET", "/api/projects", { user: carol })).body)).toEqual([
        "apollo budget",
        "apollo roadmap",
        "zeus roadmap",
      ]);
      // No tenant: an empty list, not an error.
      const none = await send(app, "GET", "/api/projects", { user: dave });
      expect([none.status, none.body.items]).toEqual([200, []]);
      expect((await send(app, "GET", "/api/projects/3", { user: alice })).status).toBe(404);
      expect((await send(app, "GET", "/api/projects/3", { user: bob })).body.name).toBe("zeus roadmap");
      expect((await send(app, "GET", "/api/projects/count", { user: bob })).body.count).toBe(1);
      // A client filter cannot widen the scope.
      expect(
        names(
          (
            await send(app, "GET", `/api/projects?filter=${encodeURIComponent("tenantId==20,tenantId==10")}`, {
              user: alice,
            })
          ).body,
        ),
      ).toEqual(["apollo budget", "apollo roadmap"]);
      expect((await send(app, "GET", "/api/projects", {})).status).toBe(401);
    });

    it("updates, deletes and creates only inside tenants where the principal has the role", async () => {
      const { app } = await tenantApp(dialect);
      expect((await send(app, "PATCH", "/api/projects/3", { user: alice, body: { name: "taken" } })).status).toBe(404);
      expect((await send(app, "DELETE", "/api/projects/3", { user: alice })).status).toBe(404);
      // Carol reads tenant 20 but is no owner there: she sees the row, and may not change it.
      expect((await send(app, "PATCH", "/api/projects/3", { user: carol, body: { name: "taken" } })).status).toBe(403);
      expect((await send(app, "PATCH", "/api/projects/1", { user: carol, body: { name: "apollo plan" } })).status).toBe(
        200,
      );
      // Moving a row into another tenant is refused too: the scope checks the row after the change.
      const moved = await send(app, "PATCH", "/api/projects/1", { user: alice, body: { tenantId: 20 } });
      expect(moved.status).toBe(403);
      expect(
        (await send(app, "POST", "/api/projects", { user: alice, body: { tenantId: 20, name: "plant" } })).status,
      ).toBe(403);
      expect(
        (await send(app, "POST", "/api/projects", { user: alice, body: { tenantId: 10, name: "apollo crew" } })).status,
      ).toBe(201);
      expect(names((await send(app, "GET", "/api/projects", { user: bob })).body)).toEqual(["zeus roadmap"]);
    });

    it("searches only the principal's tenants", async () => {
      const { app } = await tenantApp(dialect);
      const search = async (user: Record<string, unknown>) =>
        names((await send(app, "GET", "/api/projects/search?q=roadmap", { user })).body);
      expect(await search(alice)).toEqual(["apollo roadmap"]);
      expect(await search(bob)).toEqual(["zeus roadmap"]);
      expect(await search(carol)).toEqual(["apollo roadmap", "zeus roadmap"]);
    });

    it("includes only related rows of the principal's tenants", async () => {
      const { app } = await tenantApp(dialect);
      const list = await send(app, "GET", "/api/tasks?include=project&orderBy=id", { user: bob });
      expect(
        list.body.items.map((row: { title: string; project: { name: string } | null }) => [
          row.title,
          row.project?.name ?? null,
        ]),
      ).toEqual([
        ["ship", "zeus roadmap"],
        ["spy", null],
      ]);
      const one = await send(app, "GET", "/api/tasks/3?include=project", { user: bob });
      expect(one.body.project).toBeNull();
    });

    it("streams each subscriber the changes of its own tenants only", async () => {
      const { app } = await tenantApp(dialect);
      const subscribe = async (user: Record<string, unknown>) => {
        const opened = await openSse(app, "/api/projects/subscribe?orderBy=id", { user });
        expect(opened.status).toBe(200);
        readers.push(opened.reader);
        const [, snapshot] = await opened.reader.take(2);
        return { reader: opened.reader, snapshot: snapshot!.data.items.map((row: { name: string }) => row.name) };
      };
      const forAlice = await subscribe(alice);
      const forBob = await subscribe(bob);
      expect(forAlice.snapshot).toEqual(["apollo roadmap", "apollo budget"]);
      expect(forBob.snapshot).toEqual(["zeus roadmap"]);
      expect(
        (await send(app, "POST", "/api/projects", { user: bob, body: { tenantId: 20, name: "zeus launch" } })).status,
      ).toBe(201);
      expect(
        (await send(app, "POST", "/api/projects", { user: alice, body: { tenantId: 10, name: "apollo launch" } }))
          .status,
      ).toBe(201);
      const [toAlice] = await forAlice.reader.take(1);
      const [toBob] = await forBob.reader.take(1);
      expect(toAlice!.data.row.name).toBe("apollo launch");
      expect(toBob!.data.row.name).toBe("zeus launch");
    });

    it("resolves the memberships once per request, never for anonymous ones", async () => {
      const { app, resolved } = await tenantApp(dialect);
      await send(app, "GET", "/api/tasks?include=project", { user: alice });
      expect(resolved).toEqual([1]);
      await send(app, "GET", "/api/projects", {});
      expect(resolved).toEqual([1]);
    });
  },
);
