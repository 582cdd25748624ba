/**
 * Where the provider finds its clients: the ones configured in options (fixed for the process),
 * then the ones registered at run time (dynamic registration), kept in the KV. Configured
 * clients are validated at construction; registered ones when they are registered.
 */
import type { KV } from "../kernel/kv";
import { clientAuthMethod } from "./client-auth";
import type { ClientStore, OIDCClient } from "./types";

/** The first problem with a client's configuration, or undefined when it is sound. */
export function clientProblem(client: OIDCClient): string | undefined {
  if (typeof client.id !== "string" || client.id === "") return "a client needs an id";
  if (
    client.redirectUris.length === 0 &&
    (client.grantTypes ?? ["authorization_code"]).includes("authorization_code")
  ) {
    return `client "${client.id}" needs at least one redirect URI`;
  }
  for (const uri of [...client.redirectUris, ...(client.postLogoutRedirectUris ?? [])]) {
    if (!URL.canParse(uri)) return `client "${client.id}" has an invalid redirect URI ${JSON.stringify(uri)}`;
  }
  const method = clientAuthMethod(client);
  if (method === "private_key_jwt") {
    if (!client.jwks || client.jwks.keys.length === 0)
      return `client "${client.id}" uses private_key_jwt but has no jwks`;
  } else if (method !== "none" && client.secret === undefined) {
    return `client "${client.id}" authenticates with a secret but has none`;
  }
  if (
    method === "client_secret_jwt" &&
    (client.secret!.startsWith("scrypt$") || new TextEncoder().encode(client.secret!).length < 32)
  ) {
    return `client "${client.id}" uses client_secret_jwt, which needs the plaintext secret of at least 32 bytes`;
  }
  return undefined;
}

/** Indexes the configured clients (throwing on a misconfigured one) and adds the KV-registered ones. */
export function createClientStore(configured: readonly OIDCClient[], kv: KV, prefix: string): ClientStore {
  const byId = new Map<string, OIDCClient>();
  for (const client of configured) {
    const problem =
      clientProblem(client) ?? (byId.has(client.id) ? `client id "${client.id}" is registered twice` : undefined);
    if (problem) throw new TypeError(`covara/oidc: ${problem}`);
    byId.set(client.id, client);
  }
  const key = (id: string) => `${prefix}client:${id}`;
  return {
    async get(id) {
      const fixed = byId.get(id);
      if (fixed) return fixed;
      const stored = await kv.get(key(id));
      if (stored === null) return undefined;
      try {
        return JSON.parse(stored) as OIDCClient;
      } catch {
        return undefined;
      }
    },
    async register(client, ttlSeconds) {
      if (byId.has(client.id)) throw new TypeError(`covara/oidc: client id "${client.id}" is taken`);
      await kv.set(
        key(client.id),
        JSON.stringify(client),
        ttlSeconds === undefined ? {} : { ttlMs: ttlSeconds * 1000 },
      );
    },
  };
}
