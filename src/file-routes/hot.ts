/**
 * Hot file routes for `covara dev`: the routes live in an inner Hono app that is rebuilt when a
 * route or schema file changes, behind one dispatcher on the app. The inner app sees the outer
 * request's variables (user, principal, anything middleware set), so app-wide middleware and auth
 * still apply; a path the inner app does not serve falls through to the app's other routes.
 */
import { assumeType } from "../kernel/erased";
import { Hono, type Context, type ErrorHandler, type MiddlewareHandler } from "hono";
import type { CovaraEnv } from "../kernel/http";
import { registerRoutes } from "./register";
import type { LoadedRoute } from "./load";
import type { DevHost } from "./types";

/** The `globalThis` key under which `covara dev` installs its `DevHost`. */
export const DEV_HOST: unique symbol = Symbol.for("covara.devHost");

/** The dev host `covara dev` installed in this process, if any. */
export function devHost(): DevHost | undefined {
  const host: unknown = Reflect.get(globalThis, DEV_HOST);
  return typeof host === "object" && host !== null && "watch" in host && typeof host.watch === "function"
    ? (host as DevHost)
    : undefined;
}

export interface HotRoutes {
  dispatch: MiddlewareHandler<CovaraEnv>;
  /** Swaps in a new set of routes; requests already running finish on the old ones. */
  replace(routes: readonly LoadedRoute[]): void;
}

export function createHotRoutes(
  routes: readonly LoadedRoute[],
  maxBodyBytes: number,
  onError: ErrorHandler,
): HotRoutes {
  const outerOf = new WeakMap<Request, Context<CovaraEnv>>();
  const misses = new WeakSet<Response>();
  const build = (loaded: readonly LoadedRoute[]) => {
    const inner = new Hono<CovaraEnv>();
    inner.onError(onError);
    inner.notFound(() => {
      const miss = new Response(null, { status: 404 });
      misses.add(miss);
      return miss;
    });
    inner.use("*", async (c, next) => {
      const outer = outerOf.get(c.req.raw);
      if (outer) {
        // The outer request's variables are copied under whatever names its middleware chose
        // (features add names by declaration merging), so the setter is seen by name and value.
        const set = assumeType<(key: string, value: unknown) => void>(c.set.bind(c));
        for (const [key, value] of Object.entries(outer.var)) set(key, value);
      }
      await next();
    });
    registerRoutes(inner, loaded, maxBodyBytes);
    return inner;
  };
  let current = build(routes);
  return {
    async dispatch(c, next) {
      outerOf.set(c.req.raw, c);
      const response = await current.fetch(c.req.raw, c.env);
      if (misses.has(response)) return next();
      return response;
    },
    replace(loaded) {
      current = build(loaded);
    },
  };
}
