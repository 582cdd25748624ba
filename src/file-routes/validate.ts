/**
 * The handler Hono runs for a file route: reads the body (JSON, bounded), the query and the path
 * parameters, validates each against the route's schema, answers 422 listing every issue of all
 * three, and only then calls the route's handler with the parsed input.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { readJsonBody } from "../kernel/body";
import { ProblemError, type ValidationIssue } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import { getPrincipal } from "../kernel/principal";
import type { LoadedHandler, RawQuery, RouteSchema } from "./types";

type Part = "body" | "query" | "params";

function rawQuery(c: Context<CovaraEnv>): RawQuery {
  const query: RawQuery = {};
  for (const [key, values] of Object.entries(c.req.queries())) query[key] = values.length === 1 ? values[0]! : values;
  return query;
}

function collect(part: Part, error: z.ZodError, into: (ValidationIssue & { in: Part })[]): void {
  for (const issue of error.issues) {
    into.push({ in: part, path: [part, ...issue.path.map(String)].join("."), message: issue.message, code: issue.code });
  }
}

/** A Hono handler that validates the request against `schema` and runs `handler`. */
export function routeHandler(schema: RouteSchema, handler: LoadedHandler, maxBodyBytes: number): (c: Context<CovaraEnv>) => Promise<Response> {
  const { body: bodySchema, query: querySchema, params: paramsSchema } = schema;
  return async (c) => {
    const issues: (ValidationIssue & { in: Part })[] = [];
    let body: unknown;
    if (bodySchema) {
      const parsed = bodySchema.safeParse(await readJsonBody(c, maxBodyBytes));
      if (parsed.success) body = parsed.data;
      else collect("body", parsed.error, issues);
    }
    let query: unknown;
    if (querySchema) {
      const parsed = querySchema.safeParse(rawQuery(c));
      if (parsed.success) query = parsed.data;
      else collect("query", parsed.error, issues);
    }
    let params: unknown;
    if (paramsSchema) {
      const parsed = paramsSchema.safeParse(c.req.param());
      if (parsed.success) params = parsed.data;
      else collect("params", parsed.error, issues);
    }
    if (issues.length > 0) {
      throw new ProblemError("validation-error", {
        status: 422,
        detail: issues.length === 1 ? `${issues[0]!.path}: ${issues[0]!.message}` : `${issues.length} problems in the request`,
        extensions: { errors: issues },
      });
    }
    // Parts without a schema are read only if the handler asks for them.
    const input = {
      body,
      get query(): unknown {
        return querySchema ? query : rawQuery(c);
      },
      get params(): unknown {
        return paramsSchema ? params : c.req.param();
      },
    };
    const ctx: Parameters<LoadedHandler>[0] = {
      c,
      input,
      user: c.get("user") ?? null,
      get principal() {
        return getPrincipal(c);
      },
    };
    const result = await handler(ctx);
    if (result instanceof Response) return result;
    if (result === undefined) return c.body(null, 204);
    return c.json(result);
  };
}
