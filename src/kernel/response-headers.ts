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
