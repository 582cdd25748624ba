/**
 * The handler Hono runs for a file route: reads the body (JSON, bounded), the query and the path
 * parameters, validates each against the route's schema, answers 422 listing every issue of all
 * three, and only then calls the route's handler with the parsed input.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { readJsonBody } from "../kernel/body";
import { ProblemError, type ValidationIssue } from "../kernel/errors";
import type { CovaraEnv, CovaraUser, Principal } from "../kernel/http";
import { getPrincipal } from "../kernel/principal";
import type { LoadedHandler, RawQuery, RouteSchema } from "./types";

type Part = "body" | "query" | "params";

function rawQuery(c: Context<CovaraEnv>): RawQuery {
  const query: RawQuery = {};
  for (const [key, values] of Object.entries(c.req.queries())) query[key] = values.length === 1 ? values[0]! : values;
  return query;
}

type Issue = ValidationIssue & { in: Part };

function collect(part: Part, error: z.ZodError, into: Issue[]): void {
  for (const issue of error.issues) {
    into.push({
      in: part,
      path: [part, ...issue.path.map(String)].join("."),
      message: issue.message,
      code: issue.code,
    });
  }
}

/**
 * The handler's input. Classes with prototype getters rather than literals with getters: V8 keeps
 * them on one fast shape, and a part without a schema is read only if the handler asks for it.
 */
class Input {
  constructor(
    private readonly c: Context<CovaraEnv>,
    readonly body: unknown,
    private readonly parsedQuery: unknown,
    private readonly parsedParams: unknown,
    private readonly hasQuery: boolean,
    private readonly hasParams: boolean,
  ) {}
  get query(): unknown {
    return this.hasQuery ? this.parsedQuery : rawQuery(this.c);
  }
  get params(): unknown {
    return this.hasParams ? this.parsedParams : this.c.req.param();
  }
}

/** What the handler receives; the principal is built on first read. */
class Route {
  constructor(
    readonly c: Context<CovaraEnv>,
    readonly input: Input,
  ) {}
  get user(): CovaraUser | null {
    return this.c.get("user") ?? null;
  }
  get principal(): Principal {
    return getPrincipal(this.c);
  }
}

/** The handler's result as a response: a Response as is, nothing as 204, anything else as JSON. */
function respond(c: Context<CovaraEnv>, result: unknown): Response {
  if (result instanceof Response) return result;
  if (result === undefined) return c.body(null, 204);
  return c.json(result);
}

/**
 * A Hono handler that validates the request against `schema` and runs `handler`. It stays
 * synchronous when neither the body nor the handler needs to wait: no promise per request.
 */
export function routeHandler(
  schema: RouteSchema,
  handler: LoadedHandler,
  maxBodyBytes: number,
): (c: Context<CovaraEnv>) => Response | Promise<Response> {
  const { body: bodySchema, query: querySchema, params: paramsSchema } = schema;
  const run = (c: Context<CovaraEnv>, rawBody: unknown): Response | Promise<Response> => {
    const issues: Issue[] = [];
    let body: unknown;
    if (bodySchema) {
      const parsed = bodySchema.safeParse(rawBody);
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
        detail:
          issues.length === 1
            ? `${issues[0]!.path}: ${issues[0]!.message}`
            : `${issues.length} problems in the request`,
        extensions: { errors: issues },
      });
    }
    const result = handler(
      new Route(c, new Input(c, body, query, params, querySchema !== undefined, paramsSchema !== undefined)),
    );
    return result instanceof Promise ? result.then((value: unknown) => respond(c, value)) : respond(c, result);
  };
  if (!bodySchema) return (c) => run(c, undefined);
  return async (c) => run(c, await readJsonBody(c, maxBodyBytes));
}
