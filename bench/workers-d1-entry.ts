/**
 * The Worker of `npm run bench:workers`: both variants in one Worker on one D1 binding, so they run
 * in the same isolate against the same database.
 *
 *   /api/users   — covara: createCovara().resource("/users", users, { db: drizzle(env.DB) })
 *   /hono/users  — a hand-written Hono route building the same Drizzle D1 query per request
 */
import type { D1Database, ExecutionContext } from "@cloudflare/workers-types";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { createCovara, type CovaraApp } from "../src";
import { LIMIT, users } from "./users-table";

const MAX_LIMIT = 100;

function pageSize(text: string | undefined): number {
  const limit = text ? Number.parseInt(text, 10) : LIMIT;
  return Number.isFinite(limit) && limit >= 1 ? Math.min(limit, MAX_LIMIT) : LIMIT;
}

function handWritten(binding: D1Database): Hono {
  const db = drizzle(binding);
  const app = new Hono();
  app.get("/hono/users", async (c) => {
    const limit = pageSize(c.req.query("limit"));
    const rows = await db
      .select()
      .from(users)
      .where(eq(users.role, "admin"))
      .orderBy(users.id)
      .limit(limit + 1);
    const hasMore = rows.length > limit;
    return c.json({ items: hasMore ? rows.slice(0, limit) : rows, nextCursor: null, hasMore });
  });
  return app;
}

let covara: CovaraApp | undefined;
let hono: Hono | undefined;

export default {
  fetch(request: Request, env: { DB: D1Database }, ctx: ExecutionContext) {
    if (new URL(request.url).pathname.startsWith("/hono/"))
      return (hono ??= handWritten(env.DB)).fetch(request, env, ctx);
    covara ??= createCovara().resource("/users", users, {
      id: users.id,
      db: drizzle(env.DB),
      auth: { public: { read: true } },
      pagination: { maxLimit: MAX_LIMIT },
    });
    return covara.fetch(request, env, ctx);
  },
};
