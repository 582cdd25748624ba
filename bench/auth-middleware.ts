/**
 * What authenticating a request costs: `GET /api/whoami` through `app.request` (in process, no
 * sockets) on an app whose route needs a signed-in user, per session strategy, against the same
 * route with the identity taken from a header (the baseline: routing and JSON, no auth work).
 * Variants are interleaved in batches that rotate each round; per round the ratio is
 * baseline µs / variant µs (1.0 = free), and the median over rounds is printed as a table.
 * Usage: node --import tsx bench/auth-middleware.ts [--rounds N] [--batch N]
 */
import { Hono } from "hono";
import type { CovaraEnv } from "../src";
import {
  cookieSession,
  createKVSessionStore,
  createMemorySessionStore,
  generateJWTKey,
  jwtSession,
  useAuth,
  type SessionStrategy,
} from "../src/auth";
import { requireUser } from "../src/server";
import { createMemoryKV } from "../src/kv";
import { compareInProcess, inProcessArgs, type InProcessVariant } from "./in-process";

type Variant = InProcessVariant;

const user = { id: "u1", email: "ada@example.com", name: "Ada" };
const users = { getById: async (id: string) => (id === "u1" ? { ...user } : null) };

/** An app over `strategy`, plus the credentials one signed-in client sends. */
async function variant(name: string, strategy: SessionStrategy): Promise<Variant> {
  const auth = useAuth({
    strategy,
    users,
    login: { validateCredentials: async () => user },
    security: { throttle: false },
  });
  const app = new Hono<CovaraEnv>();
  app.route("/api/auth", auth.router);
  app.use("*", auth.middleware);
  app.get("/api/whoami", (c) => c.json({ id: requireUser(c).id }));
  const res = await app.request("/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "a@b.c", password: "x" }),
  });
  const body = (await res.json()) as { accessToken?: string };
  const cookie = res.headers
    .getSetCookie()
    .map((line) => line.split(";")[0])
    .join("; ");
  return { name, app, headers: body.accessToken ? { authorization: `Bearer ${body.accessToken}` } : { cookie } };
}

function baseline(): Variant {
  const app = new Hono<CovaraEnv>();
  app.use("*", async (c, next) => {
    c.set("user", c.req.header("x-user") ? { id: c.req.header("x-user")! } : null);
    await next();
  });
  app.get("/api/whoami", (c) => c.json({ id: requireUser(c).id }));
  return { name: "baseline (header identity)", app, headers: { "x-user": "u1" } };
}

const secret = "bench-secret-that-is-at-least-32-bytes-long";
const es256 = await generateJWTKey("ES256");
const variants: Variant[] = [
  baseline(),
  await variant("cookieSession, memory store", cookieSession({ store: createMemorySessionStore() })),
  await variant(
    "cookieSession, KV store (memory KV)",
    cookieSession({ store: createKVSessionStore({ kv: createMemoryKV() }) }),
  ),
  await variant("jwtSession HS256", jwtSession({ secret, issuer: "https://bench", audience: "bench" })),
  await variant(
    "jwtSession HS256, checkRevocation off",
    jwtSession({ secret, issuer: "https://bench", audience: "bench", checkRevocation: false }),
  ),
  await variant("jwtSession ES256", jwtSession({ keys: [es256], issuer: "https://bench", audience: "bench" })),
];

await compareInProcess(variants, {
  title: "auth middleware",
  path: "/api/whoami",
  expectedBody: '{"id":"u1"}',
  ...inProcessArgs({ rounds: 9, batch: 2000 }),
});
