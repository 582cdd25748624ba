/**
 * The types of file-system routes: a route's schema (body, query, params), the input a handler
 * receives typed from it, and what a route module exports. A leaf: types only.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import type { CovaraEnv, CovaraUser, Principal } from "../kernel/http";

/** The HTTP methods a route file may export handlers for. */
export type RouteMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Zod schemas for the parts of a request that are validated before the handler runs. */
export interface RouteSchema {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
}

/** The query string as it arrives: one value per key, or a list when the key repeats. */
export type RawQuery = Record<string, string | string[]>;

/** The validated input: each part typed by its schema's output, or left raw without one. */
export interface RouteInput<TSchema extends RouteSchema = RouteSchema> {
  /** Undefined for a schema without a body; `unknown` for a handler typed without a specific schema. */
  body: "body" extends keyof TSchema
    ? TSchema["body"] extends z.ZodType
      ? z.output<TSchema["body"]>
      : unknown
    : undefined;
  query: TSchema["query"] extends z.ZodType ? z.output<TSchema["query"]> : RawQuery;
  params: TSchema["params"] extends z.ZodType ? z.output<TSchema["params"]> : Record<string, string>;
}

/** What a route handler receives. */
export interface RouteContext<TSchema extends RouteSchema = RouteSchema> {
  /** The Hono context: headers, `c.json()`, `c.get("user")`, everything a Hono handler has. */
  c: Context<CovaraEnv>;
  /** Body, query and path parameters, validated by the route's schema. */
  input: RouteInput<TSchema>;
  user: CovaraUser | null;
  /** The request's principal: the user with their tenant memberships, roles and clearance. */
  principal: Principal;
}

/**
 * A route handler: a Response, or a value sent as JSON (200), or nothing (204). Its input is
 * typed from the schema it was defined with.
 */
export type RouteHandler<TSchema extends RouteSchema = RouteSchema> = (ctx: RouteContext<TSchema>) => unknown;

/** A handler bound to its schema by `defineRoute`: the schema validates, and types the input. */
export interface DefinedRoute<TSchema extends RouteSchema = RouteSchema> {
  readonly schema: TSchema;
  readonly handler: RouteHandler<TSchema>;
  /** Middleware run before validation (role checks, rate limits). */
  readonly middleware: readonly MiddlewareHandler<CovaraEnv>[];
}

/** A route handler as the loader sees it: any module's export, its input parts unknown. */
export type LoadedHandler = (
  ctx: Omit<RouteContext, "input"> & { input: { body: unknown; query: unknown; params: unknown } },
) => unknown;

/** A `defineRoute` result as the loader sees it. */
export interface LoadedDefinedRoute {
  readonly schema: RouteSchema;
  readonly handler: LoadedHandler;
  readonly middleware: readonly MiddlewareHandler<CovaraEnv>[];
}

/** A route's schema as a file may write it: a full RouteSchema, a bare Zod type (the body), or one per method. */
export type SchemaExport = RouteSchema | z.ZodType | Partial<Record<RouteMethod, RouteSchema | z.ZodType>>;

/** Options of `app.fileRoutes(dir, options)`. */
export interface FileRoutesOptions {
  /**
   * Where the routes are mounted: `routes/posts/index.ts` serves `${prefix}/posts`.
   * @default the app's basePath (`/api`)
   */
  prefix?: string;
  /**
   * The co-located schema folder: `schemas/posts/index.ts` default-exports the schema of
   * `routes/posts/index.ts`.
   * @default the `schemas` folder beside `dir`
   */
  schemas?: string | URL;
  /**
   * Largest JSON body a route reads.
   * @default 1 MiB
   */
  maxBodyBytes?: number;
  /**
   * Re-import the routes when their files change, without restarting. `covara dev` turns it on.
   * @default on under `covara dev`, else off
   */
  hot?: boolean;
}

/**
 * What `covara dev` offers the app process it runs (on `globalThis` under `DEV_HOST`): a watcher
 * for folders whose changes the app reloads itself, so the dev server does not restart for them.
 */
export interface DevHost {
  watch(dirs: readonly string[], onChange: (files: string[]) => void): void;
}
