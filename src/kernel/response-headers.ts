/** Adding headers to a response a middleware did not build. */
import type { Context } from "hono";

/**
 * Sets `headers` on `c.res`. Responses from `fetch()` and `Response.redirect()` have immutable
 * headers; those are copied once, then set.
 */
export function setResponseHeaders(c: Context, headers: ReadonlyArray<readonly [string, string]>): void {
  try {
    for (const [name, value] of headers) c.res.headers.set(name, value);
  } catch {
    c.res = new Response(c.res.body, c.res);
    for (const [name, value] of headers) c.res.headers.set(name, value);
  }
}

/**
 * The key under which a Node response accepts head defaults: headers its server adds when it
 * writes the head, each unless the response already has it. covara's `startServer` gives its
 * responses this property (see node/head-defaults.ts).
 */
export const HEAD_DEFAULTS = Symbol.for("covara.headDefaults");

/** Head defaults, lower-case names. */
export type HeadDefaults = ReadonlyArray<readonly [string, string]>;

/**
 * Hands `headers` to the Node server writing this request's response, to be added when the head
 * is written unless the response set them itself. False when the server takes none (another
 * runtime, another Node server, `app.request`): the caller then adds them to `c.res` itself.
 *
 * Why: on `@hono/node-server` a response keeps its headers as the plain record the handler gave
 * until someone reads `res.headers`; adding a header afterwards builds a `Headers` object, and
 * writing it walks that object. For headers every response gets, that was about 7 % of a cheap
 * request's time (docs/performance.md).
 */
export function deferHeadDefaults(c: Context, headers: HeadDefaults): boolean {
  const env: unknown = c.env;
  const outgoing: unknown = typeof env === "object" && env !== null ? Reflect.get(env, "outgoing") : undefined;
  if (typeof outgoing !== "object" || outgoing === null || !(HEAD_DEFAULTS in outgoing)) return false;
  const already = Reflect.get(outgoing, HEAD_DEFAULTS) as HeadDefaults | undefined;
  Reflect.set(outgoing, HEAD_DEFAULTS, already ? [...already, ...headers] : headers);
  return true;
}
