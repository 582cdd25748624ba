/**
 * One driver-bench server: `node --import tsx bench/drivers-server.ts <covara|hono> <target>`,
 * target `libsql:<sqlite file>` or `postgres-js:<schema>`.
 *
 *   covara — createCovara().resource("/users", users, ...) on covara's startServer, both from the
 *            package's build as users run them (built-covara.ts)
 *   hono   — a hand-written Hono route building the same Drizzle query per request on the same
 *            driver, on `@hono/node-server`'s `serve`
 *
 * Prints `READY <url>` once listening (see serve.ts).
 */
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { createCovara, startServer } from "./built-covara";
import { openTarget } from "./drivers-shared";
import { serveHono, serveUntilSignalled } from "./serve";
import { LIMIT } from "./shared";

const MAX_LIMIT = 100;

function pageSize(text: string | undefined): number {
  const limit = text ? Number.parseInt(text, 10) : LIMIT;
  return Number.isFinite(limit) && limit >= 1 ? Math.min(limit, MAX_LIMIT) : LIMIT;
}

/** covara's resource on the target (also used in process by drivers-inprocess.ts). */
export function covaraApp(target: string) {
  const { db, users } = openTarget(target);
  return createCovara().resource("/users", users, {
    id: users.id,
    db,
    auth: { public: { read: true } },
    pagination: { maxLimit: MAX_LIMIT },
  });
}

/** The hand-written handler on the target. */
export function honoApp(target: string): Hono {
  const { db, users } = openTarget(target);
  // Both drivers' databases build this query; the handler is what one would write by hand.
  const query = db as unknown as {
    select(): {
      from(t: unknown): { where(w: unknown): { orderBy(o: unknown): { limit(n: number): Promise<unknown[]> } } };
    };
  };
  const app = new Hono();
  app.get("/api/users", async (c) => {
    const limit = pageSize(c.req.query("limit"));
    const rows = await query
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

/** covara's resource with every default middleware and route left out: the resource router alone. */
function leanCovaraApp(target: string) {
  const { db, users } = openTarget(target);
  return createCovara({
    observability: false,
    securityHeaders: false,
    admin: false,
    health: false,
    openapi: false,
  }).resource("/users", users, {
    id: users.id,
    db,
    auth: { public: { read: true } },
    pagination: { maxLimit: MAX_LIMIT },
  });
}

const onStartServer = (app: Parameters<typeof startServer>[0]) =>
  startServer(app, { port: 0, hostname: "127.0.0.1", shutdown: false });

/**
 * The two variants of `npm run bench:drivers`, and the crossings bench/drivers-ab.ts uses to find
 * where a gap comes from: each app on the other server, and covara without its default middleware.
 */
const VARIANTS = {
  covara: (target: string) => onStartServer(covaraApp(target)),
  hono: (target: string) => serveHono(honoApp(target)),
  "covara-on-serve": (target: string) => serveHono(covaraApp(target)),
  "hono-on-startServer": (target: string) => onStartServer(honoApp(target)),
  "covara-lean": (target: string) => onStartServer(leanCovaraApp(target)),
};
export type DriverServerVariant = keyof typeof VARIANTS;

async function main(): Promise<void> {
  const [variant, target] = process.argv.slice(2);
  if (!variant || !Object.hasOwn(VARIANTS, variant) || !target) {
    console.error(`usage: drivers-server.ts <${Object.keys(VARIANTS).join("|")}> <libsql:file|postgres-js:schema>`);
    process.exit(2);
  }
  serveUntilSignalled(await VARIANTS[variant as DriverServerVariant](target));
}

// Started as a server process; imported by drivers-inprocess.ts.
if (process.argv[1]?.endsWith("drivers-server.ts")) void main();
