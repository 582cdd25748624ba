/** `envVariable(source, schema)`: a variable whose value is read where it is declared. */
import type { z } from "zod";
import { ENV_VARIABLE, type EnvVariable, type EnvVisibility } from "./types";

export interface EnvVariableOptions<Visibility extends EnvVisibility> {
  /**
   * Serve this variable to clients (`"public"`) or never (`"private"`), whatever its name.
   * @default "default" — public exactly when the name starts with the public prefix (`PUBLIC_`)
   */
  visibility?: Visibility;
}

/**
 * A variable with an explicit source, for names that differ from the variable's key or values
 * that do not come from the default source.
 * @example
 * createEnv({ SECRET_KEY: envVariable(process.env.SECRET, z.string().min(32)) })
 * createEnv({ API_URL: envVariable(process.env.API_URL, z.string().url(), { visibility: "public" }) })
 */
export function envVariable<Schema extends z.ZodType, Visibility extends EnvVisibility = "default">(
  value: unknown,
  schema: Schema,
  options: EnvVariableOptions<Visibility> = {},
): EnvVariable<Schema, Visibility> {
  const visibility = (options.visibility ?? "default") as Visibility;
  return { [ENV_VARIABLE]: true, value, schema, visibility };
}

export function isEnvVariable(entry: unknown): entry is EnvVariable {
  return typeof entry === "object" && entry !== null && ENV_VARIABLE in entry;
}
