/**
 * `usePublicEnv(env)`: a router serving an env's public variables as JSON, with a strong ETag so
 * clients revalidate with `If-None-Match` and get a 304. Secrets are never in the body: only the
 * values `createEnv` classified as public are kept for it.
 */
import { Hono } from "hono";
import { sha256Url } from "../kernel/web-crypto";
import { etagMatches } from "../kernel/etag";
import { publicEnvValues } from "./create-env";
import type { Env, EnvShape } from "./types";

/**
 * @example
 * app.route("/api/env", usePublicEnv(env)); // GET /api/env → { "PUBLIC_API_URL": "..." }
 */
export function usePublicEnv<Shape extends EnvShape, Prefix extends string>(env: Env<Shape, Prefix>): Hono {
  const values = publicEnvValues(env);
  if (values === undefined) throw new TypeError("usePublicEnv(env) takes the object returned by createEnv()");
  const body = JSON.stringify(values);
  let etag: Promise<string> | undefined;
  const router = new Hono();
  router.get("/", async (c) => {
    etag ??= strongEtag(body);
    const tag = await etag;
    c.header("ETag", tag);
    // Revalidate every time: a deploy may change the values, and a 304 costs almost nothing.
    c.header("Cache-Control", "no-cache");
    const condition = c.req.header("if-none-match");
    if (condition !== undefined && etagMatches(condition, tag)) return c.body(null, 304);
    return c.body(body, 200, { "Content-Type": "application/json; charset=utf-8" });
  });
  return router;
}

async function strongEtag(body: string): Promise<string> {
  return `"${(await sha256Url(body)).slice(0, 22)}"`;
}
