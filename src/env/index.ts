/** `covara/env`: typed, validated environment variables, and the public ones served to clients. */
export { createEnv, EnvValidationError } from "./create-env";
export type { CreateEnvOptions, EnvIssue } from "./create-env";
export { envVariable } from "./variable";
export type { EnvVariableOptions } from "./variable";
export { usePublicEnv } from "./public-env";
export type { Env, EnvShape, EnvVariable, EnvVisibility, PublicEnvOf } from "./types";
