/** `usePublicEnv()`: the server's public environment variables in a component. */
import { createEnvClient, type EnvClientOptions } from "../env";
import type { QueryState } from "./query-cache";
import { useCovara } from "./provider";
import { useCachedQuery } from "./use-query";

/**
 * Loads the public variables once per provider (shared by every component asking for the same
 * path) through the client's transport.
 * @example
 * const { data: env } = usePublicEnv<PublicEnvOf<typeof serverEnv>>();
 */
export function usePublicEnv<Values = Record<string, unknown>>(
  options: Pick<EnvClientOptions, "path"> = {},
): QueryState<Values> {
  const { client } = useCovara();
  const path = options.path ?? "/api/env";
  return useCachedQuery<Values>(`${path}#env`, path, (signal) =>
    createEnvClient<Values>({ path, transport: client.transport }).get({ signal }),
  );
}
