/**
 * `createEnv(shape)`: reads and validates every variable at start-up, and fails once, listing every
 * missing or invalid variable by name, without ever printing a value. The result is a plain typed
 * object whose secrets are redacted when it is logged or serialised.
 */
import type { z } from "zod";
import { assumeType } from "../kernel/erased";
import { isEnvVariable } from "./variable";
import type { Env, EnvShape, EnvVariable } from "./types";

export interface CreateEnvOptions<Prefix extends string = "PUBLIC_"> {
  /**
   * Where variables declared by a bare schema are read, by name. On Workers pass the `env` binding.
   * @default process.env (an empty object where there is no `process`)
   */
  source?: Readonly<Record<string, unknown>>;
  /**
   * Names with this prefix are public: served by `usePublicEnv` and readable by clients.
   * @default "PUBLIC_"
   */
  publicPrefix?: Prefix;
  /**
   * Treat `FOO=` (an empty string) as unset, so a default or "missing" applies.
   * @default false
   */
  emptyStringAsUndefined?: boolean;
}

/** One variable that failed validation: its name and why (never its value). */
export interface EnvIssue {
  variable: string;
  message: string;
}

/** Thrown by `createEnv` when any variable is missing or invalid; lists all of them. */
export class EnvValidationError extends Error {
  readonly code = "ENV_VALIDATION_ERROR";
  constructor(readonly issues: readonly EnvIssue[]) {
    super(
      `Invalid environment variables:\n${issues.map((issue) => `  - ${issue.variable}: ${issue.message}`).join("\n")}`,
    );
    this.name = "EnvValidationError";
  }
}

/** What `usePublicEnv` needs of an env object: its public values, kept beside it. */
const publicValuesOf = new WeakMap<object, Readonly<Record<string, unknown>>>();

/** The public values of an env made by `createEnv`, or undefined for any other object. */
export function publicEnvValues(env: object): Readonly<Record<string, unknown>> | undefined {
  return publicValuesOf.get(env);
}

const REDACTED = "[redacted]";

/** A variable as validated: a bare schema reads its value from the source by name. */
type Declared = Pick<EnvVariable, "value" | "schema" | "visibility">;

/**
 * Validates the environment against `shape`.
 * @example
 * const env = createEnv({
 *   PUBLIC_API_URL: z.string().url(),
 *   SECRET_KEY: envVariable(process.env.SECRET, z.string()),
 *   PORT: z.string().default("3000").transform(Number),
 * });
 */
export function createEnv<Shape extends EnvShape, Prefix extends string = "PUBLIC_">(
  shape: Shape,
  options: CreateEnvOptions<Prefix> = {},
): Env<Shape, Prefix> {
  const source = options.source ?? defaultSource();
  const prefix = options.publicPrefix ?? "PUBLIC_";
  const values: Record<string, unknown> = {};
  const publicValues: Record<string, unknown> = {};
  const secrets: string[] = [];
  const issues: EnvIssue[] = [];
  for (const [name, entry] of Object.entries(shape)) {
    const variable: Declared = isEnvVariable(entry)
      ? entry
      : { value: source[name], schema: entry, visibility: "default" };
    const raw = options.emptyStringAsUndefined && variable.value === "" ? undefined : variable.value;
    const isPublic = variable.visibility === "public" || (variable.visibility === "default" && name.startsWith(prefix));
    const parsed = variable.schema.safeParse(raw);
    if (!parsed.success) {
      issues.push(...describeFailure(name, raw, parsed.error, isPublic));
      continue;
    }
    values[name] = parsed.data;
    if (isPublic) publicValues[name] = parsed.data;
    else secrets.push(name);
  }
  if (issues.length > 0) throw new EnvValidationError(issues);
  const env = Object.freeze(withRedaction(values, secrets));
  publicValuesOf.set(env, Object.freeze(publicValues));
  // Each key holds its schema's validated output, which is what Env maps it to; the phantom
  // shape key exists only in the type.
  return assumeType<Env<Shape, Prefix>>(env);
}

function defaultSource(): Readonly<Record<string, unknown>> {
  const runtime: { process?: { env?: Record<string, unknown> } } = globalThis;
  return runtime.process?.env ?? {};
}

/** One issue per Zod issue, named by variable (and path inside it); secret values scrubbed from messages. */
function describeFailure(name: string, raw: unknown, error: z.ZodError, isPublic: boolean): EnvIssue[] {
  if (raw === undefined) return [{ variable: name, message: "missing (required)" }];
  return error.issues.map((issue) => {
    const variable = issue.path.length > 0 ? `${name}.${issue.path.map(String).join(".")}` : name;
    const message =
      !isPublic && typeof raw === "string" && raw.length > 0 ? issue.message.split(raw).join(REDACTED) : issue.message;
    return { variable, message };
  });
}

/** Logging (`console.log`, `util.inspect`) and `JSON.stringify` show secrets as `[redacted]`. */
function withRedaction(values: Record<string, unknown>, secrets: readonly string[]): Record<string, unknown> {
  const redacted = () =>
    Object.fromEntries(Object.entries(values).map(([key, value]) => [key, secrets.includes(key) ? REDACTED : value]));
  Object.defineProperty(values, "toJSON", { value: redacted, enumerable: false });
  Object.defineProperty(values, Symbol.for("nodejs.util.inspect.custom"), { value: redacted, enumerable: false });
  return values;
}
