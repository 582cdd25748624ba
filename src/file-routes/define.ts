/** `defineRoute(schema, handler)`: binds a handler to its schema so the input is typed from it. */
import type { MiddlewareHandler } from "hono";
import type { CovaraEnv } from "../kernel/http";
import type { DefinedRoute, LoadedDefinedRoute, RouteHandler, RouteSchema } from "./types";

const DEFINED: unique symbol = Symbol.for("covara.DefinedRoute");

/**
 * A route handler whose `ctx.input` is typed from `schema`; the schema validates the request
 * before the handler runs (422 problem+json listing every issue otherwise).
 *
 * @example
 * ```ts
 * export const POST = defineRoute({ body: z.object({ title: z.string() }) }, ({ input }) => ({ title: input.body.title }));
 * ```
 */
export function defineRoute<const TSchema extends RouteSchema>(
  schema: TSchema,
  handler: RouteHandler<TSchema>,
  options: { middleware?: readonly MiddlewareHandler<CovaraEnv>[] } = {},
): DefinedRoute<TSchema> {
  const route: DefinedRoute<TSchema> & { [DEFINED]: true } = {
    schema,
    handler,
    middleware: options.middleware ?? [],
    [DEFINED]: true,
  };
  return route;
}

/** Whether a route module's export was made by `defineRoute`. */
export function isDefinedRoute(value: unknown): value is LoadedDefinedRoute {
  return typeof value === "object" && value !== null && DEFINED in value;
}
