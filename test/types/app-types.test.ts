/**
 * Type tests: types flow from the Drizzle table through the resource config to the app and to
 * `hc<typeof app>`. They fail `npm run typecheck` when inference breaks; at run time they only
 * build an app (no requests).
 */
import Database from "better-sqlite3";
import { eq } from "drizzle-orm";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { hc } from "hono/client";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { createCovara, defineProcedure, type CovaraTypeInfo, type HookContext, type ResourceTypeInfo } from "../../src";
import type { CovaraTypeInfo as ServerTypeInfo } from "../../src/server";
import { createClient, type AppTypeSource, type Page, type TypeInfoOf } from "../../src/client";

const users = sqliteTable("type_users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  email: text("email").notNull(),
  password: text("password").notNull(),
  role: text("role").notNull().default("member"),
  firstName: text("first_name"),
  lastName: text("last_name"),
});

const notes = sqliteTable("type_notes", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  body: text("body").notNull(),
});

const db = drizzle(new Database(":memory:"));
type Db = typeof db;

function buildApp() {
  return createCovara({ basePath: "/api" }).resource("/users", users, {
    id: users.id,
    db,
    fields: { readable: ["id", "email", "firstName", "lastName", "role"] },
    computed: {
      fullName: (row) => `${row.firstName ?? ""} ${row.lastName ?? ""}`.trim(),
      initials: async (row) => (row.firstName ?? "").slice(0, 1),
    },
    hooks: {
      onBeforeList: (ctx) => {
        expectTypeOf(ctx.db).toEqualTypeOf<Db>();
      },
      onAfterGet: (_ctx, row) => {
        expectTypeOf(row.fullName).toEqualTypeOf<string | undefined>();
        expectTypeOf(row).not.toHaveProperty("password");
      },
      onAfterList: (_ctx, rows) => {
        expectTypeOf(rows[0]!.initials).toEqualTypeOf<string | undefined>();
      },
    },
    procedures: (procedure) => ({
      promote: procedure({
        input: z.object({ id: z.number().int(), role: z.enum(["admin", "mod"]) }),
        output: z.object({ promoted: z.boolean() }),
        handler: async (ctx, input) => {
          // No cast: ctx.db is the better-sqlite3 database and ctx.table is `users`.
          const rows = await ctx.db
            .update(ctx.table)
            .set({ role: input.role })
            .where(eq(ctx.table.id, input.id))
            .returning();
          return { promoted: rows.length === 1 };
        },
      }),
      ping: procedure({ input: z.object({}), public: true, handler: () => ({ pong: true }) }),
    }),
  });
}

type App = ReturnType<typeof buildApp>;
type UserInfo = NonNullable<App["~covara"]>["resources"]["/api/users"];
type Row = {
  id: number;
  email: string;
  role: string;
  firstName: string | null;
  lastName: string | null;
  fullName: string;
  initials: string;
};

describe("types from the table to the app", () => {
  it("gives hooks and procedures the resource's own database type", () => {
    expectTypeOf<HookContext<typeof users, Db>["db"]>().toEqualTypeOf<
      BetterSQLite3Database & { $client: Database.Database }
    >();
  });

  it("adds computed fields to response rows and removes fields missing from `readable`", () => {
    expectTypeOf<UserInfo["row"]>().toEqualTypeOf<Row>();
  });

  it("records each resource under its full path for covara's client", () => {
    expectTypeOf<NonNullable<App["~covara"]>>().toExtend<CovaraTypeInfo>();
    expectTypeOf<UserInfo>().toExtend<ResourceTypeInfo>();
    expectTypeOf<ServerTypeInfo>().toEqualTypeOf<CovaraTypeInfo>();
    expectTypeOf<UserInfo["create"]["email"]>().toEqualTypeOf<string>();
    expectTypeOf<UserInfo["update"]>().toEqualTypeOf<Partial<UserInfo["create"]>>();
    expectTypeOf<UserInfo["procedures"]["promote"]>().toEqualTypeOf<{
      input: { id: number; role: "admin" | "mod" };
      output: { promoted: boolean };
    }>();
    expectTypeOf<UserInfo["procedures"]["ping"]["output"]>().toEqualTypeOf<unknown>();
  });

  it("is an app type covara's client accepts", () => {
    expectTypeOf<App>().toExtend<AppTypeSource>();
    expectTypeOf<TypeInfoOf<App>["resources"]["/api/users"]["row"]>().toEqualTypeOf<Row>();
  });

  it("types createClient<typeof app>(): rows, select narrowing, bodies and procedures from the table", () => {
    // Compiled, never run: tsc is the test runner here.
    const compiledOnly = () => {
      const users = createClient<App>({ baseUrl: "" }).resource("/api/users");
      expectTypeOf(users.get(1)).resolves.toEqualTypeOf<Row>();
      expectTypeOf(users.list({ select: ["id", "fullName"] })).resolves.toEqualTypeOf<
        Page<Pick<Row, "id" | "fullName">>
      >();
      expectTypeOf(users.rpc("promote", { id: 1, role: "admin" })).resolves.toEqualTypeOf<{ promoted: boolean }>();
      // A masked column is not part of the row type.
      expectTypeOf<Row>().not.toHaveProperty("password");
      // @ts-expect-error the procedure's Zod input refuses another role
      void users.rpc("promote", { id: 1, role: "owner" });
      // @ts-expect-error a create body needs the table's required columns
      void users.create({ role: "x" });
    };
    expectTypeOf(compiledOnly).toBeFunction();
  });

  it("mounts a table without a path at its SQL name, and accumulates resources", () => {
    const app = buildApp().resource(notes, { id: notes.id, db });
    type Paths = keyof NonNullable<(typeof app)["~covara"]>["resources"];
    expectTypeOf<Paths>().toEqualTypeOf<"/api/users" | "/api/type_notes">();
  });

  it("makes columns that generatedFields fills optional in the create body", () => {
    const app = createCovara().resource(notes, { id: notes.id, db, generatedFields: { body: () => "generated" } });
    type Info = NonNullable<(typeof app)["~covara"]>["resources"]["/api/type_notes"];
    expectTypeOf<Info["create"]>().toEqualTypeOf<{ id?: number; body?: string }>();
    expectTypeOf<UserInfo["create"]>().toEqualTypeOf<{
      id?: number;
      email: string;
      password: string;
      role?: string;
      firstName?: string | null;
      lastName?: string | null;
    }>();
  });

  it("keeps object-form and defineProcedure procedures working", () => {
    const promote = defineProcedure({
      input: z.object({ id: z.number() }),
      output: z.object({ ok: z.boolean() }),
      handler: () => ({ ok: true }),
    });
    const app = createCovara().resource(users, { id: users.id, db, procedures: { promote } });
    type Info = NonNullable<(typeof app)["~covara"]>["resources"]["/api/type_users"];
    expectTypeOf<Info["procedures"]["promote"]>().toEqualTypeOf<{ input: { id: number }; output: { ok: boolean } }>();
  });

  it("types hc<typeof app> list, get and create responses", async () => {
    const client = hc<App>("http://localhost");
    const list = () => client.api.users.$get({ query: { limit: "10" } });
    type ListBody = Awaited<ReturnType<Awaited<ReturnType<typeof list>>["json"]>>;
    expectTypeOf<ListBody["items"]>().toEqualTypeOf<Row[]>();
    expectTypeOf<ListBody["nextCursor"]>().toEqualTypeOf<string | null>();

    const get = () => client.api.users[":id"].$get({ param: { id: "1" } });
    type GetBody = Awaited<ReturnType<Awaited<ReturnType<typeof get>>["json"]>>;
    expectTypeOf<GetBody>().toEqualTypeOf<Row>();

    const create = () => client.api.users.$post({ json: { email: "a@example.com", password: "secret" } });
    type CreateBody = Awaited<ReturnType<Awaited<ReturnType<typeof create>>["json"]>>;
    expectTypeOf<CreateBody>().toEqualTypeOf<Row>();

    const rpc = () => client.api.users.rpc.promote.$post({ json: { id: 1, role: "admin" } });
    type RpcBody = Awaited<ReturnType<Awaited<ReturnType<typeof rpc>>["json"]>>;
    expectTypeOf<RpcBody>().toEqualTypeOf<{ promoted: boolean }>();
  });
});
