/**
 * RPC procedures: `POST /rpc/:name` runs a Zod-validated handler with the caller and the
 * resource's db. Input that fails its schema is a 422; output that fails its schema is the
 * server's bug and a 500 (details only in the server log).
 */
import type { Table } from "drizzle-orm";
import type { Context } from "hono";
import type { z } from "zod";
import { ProblemError, problems, type ValidationIssue } from "../kernel/errors";
import { readJsonBody } from "../kernel/body";
import { sendJson } from "./rows";
import { hookContext, type ResourceRuntime } from "./runtime";
import type { HookContext, ProcedureDefinition } from "./types";
import type { CovaraEnv } from "../kernel/http";

/** Declares a procedure; the identity function that gives the handler its input and output types. */
export function defineProcedure<TInput extends z.ZodType, TOutput extends z.ZodType = z.ZodType>(
  definition: ProcedureDefinition<TInput, TOutput>,
): ProcedureDefinition<TInput, TOutput> {
  return definition;
}

function issues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(input)",
    message: issue.message,
    code: issue.code,
  }));
}

/** POST /rpc/:name */
export async function callProcedure<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Response> {
  const name = c.req.param("name")!;
  const procedures = runtime.procedures;
  const procedure = Object.hasOwn(procedures, name) ? procedures[name] : undefined;
  if (!procedure) {
    throw new ProblemError("not-found", {
      detail: `${runtime.info.name} has no procedure '${name.slice(0, 64)}'`,
      extensions: { resource: runtime.info.name },
    });
  }
  const user = c.get("user") ?? null;
  if (user === null && procedure.public !== true) throw problems.unauthorized();

  const declared = c.req.header("content-length");
  const body =
    declared === "0" || (declared === undefined && !c.req.header("content-type"))
      ? {}
      : await readJsonBody(c, runtime.maxBodyBytes);
  const parsed = procedure.input.safeParse(body);
  if (!parsed.success) {
    const errors = issues(parsed.error);
    throw new ProblemError("validation-error", {
      status: 422,
      detail: `Invalid input for procedure '${name}'`,
      extensions: { errors },
    });
  }
  const ctx: HookContext<TTable> = hookContext(runtime, c, "rpc", user);
  const result = await procedure.handler(ctx, parsed.data);
  if (!procedure.output) return sendJson(c, result ?? null);
  const checked = procedure.output.safeParse(result);
  if (!checked.success) {
    throw new ProblemError("internal-error", {
      detail: "The procedure returned an invalid result",
      cause: checked.error,
    });
  }
  return sendJson(c, checked.data);
}
