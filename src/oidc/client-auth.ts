/**
 * Client authentication at the token, revocation and introspection endpoints:
 * client_secret_basic, client_secret_post, or none (public clients, identified by client_id).
 * Secrets stored as `scrypt$...` are verified with scrypt, plaintext ones in constant time.
 */
import { verifyPassword } from "../auth";
import type { JWTKey } from "../auth";
import { createBoundedMemo, type BoundedMemo } from "../kernel/bounded-memo";
import { assertedClientId, clientAssertionKeys, JWT_BEARER_ASSERTION, verifyClientAssertion } from "./client-assertion";
import type { ProviderContext } from "./context";
import { constantTimeEqual } from "./encoding";
import { OAuthError } from "./oauth-error";
import type { ClientAuthMethod, OIDCClient } from "./types";

/** The auth method a client uses, with its default. */
export function clientAuthMethod(client: OIDCClient): ClientAuthMethod {
  return client.tokenEndpointAuthMethod ?? (client.secret === undefined ? "none" : "client_secret_basic");
}

interface PresentedCredentials {
  /** "jwt" stands for either JWT method: which one is the client's to say. */
  method: ClientAuthMethod | "jwt";
  clientId: string;
  secret?: string;
  assertion?: string;
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, " "));
}

/** The client id and secret of a Basic authorization header, or null when it is malformed. */
export function parseBasicCredentials(header: string): { clientId: string; secret: string } | null {
  const match = /^basic[ \t]+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return null;
  try {
    const decoded = atob(match[1]!);
    const colon = decoded.indexOf(":");
    if (colon < 0) return null;
    // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined.
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

function fromBasicHeader(header: string): PresentedCredentials {
  const credentials = parseBasicCredentials(header);
  if (!credentials) throw new OAuthError("invalid_client", "Malformed Basic authorization header");
  return { method: "client_secret_basic", ...credentials };
}

function presented(authorization: string | undefined, form: URLSearchParams): PresentedCredentials {
  const bodySecret = form.get("client_secret");
  const assertion = form.get("client_assertion");
  const basic = authorization !== undefined && /^basic\s/i.test(authorization);
  if ([basic, bodySecret !== null, assertion !== null].filter(Boolean).length > 1) {
    throw new OAuthError("invalid_request", "Use one client authentication method, not two");
  }
  if (basic) return fromBasicHeader(authorization!);
  if (assertion !== null) {
    if (form.get("client_assertion_type") !== JWT_BEARER_ASSERTION)
      throw new OAuthError("invalid_client", "Unsupported client_assertion_type");
    const clientId = assertedClientId(assertion);
    if (clientId === undefined) throw new OAuthError("invalid_client", "Client authentication failed");
    // A client_id beside the assertion must name the same client (RFC 7523 §3.1).
    const named = form.get("client_id");
    if (named !== null && named !== clientId) throw new OAuthError("invalid_client", "Client authentication failed");
    return { method: "jwt", clientId, assertion };
  }
  const clientId = form.get("client_id");
  if (clientId === null || clientId === "") throw new OAuthError("invalid_client", "Client authentication is required");
  if (bodySecret !== null) return { method: "client_secret_post", clientId, secret: bodySecret };
  return { method: "none", clientId };
}

async function secretMatches(stored: string, given: string): Promise<boolean> {
  if (stored.startsWith("scrypt$")) return verifyPassword(given, stored);
  return constantTimeEqual(stored, given);
}

/** The verification keys of JWT-authenticated clients, imported once per client object. */
/**
 * The verification keys of JWT-authenticated clients, imported once per client of each provider.
 * Keyed by id, not by object: a registered client is a fresh object on every KV read, and a
 * client's keys never change (configured ones are fixed, registered ones cannot be updated).
 */
const assertionKeys = new WeakMap<ProviderContext["clients"], BoundedMemo<string, Promise<JWTKey[]>>>();

function keysOf(ctx: ProviderContext, client: OIDCClient): Promise<JWTKey[]> {
  let memo = assertionKeys.get(ctx.clients);
  if (!memo) assertionKeys.set(ctx.clients, (memo = createBoundedMemo(1024)));
  let keys = memo.get(client.id);
  if (!keys) memo.set(client.id, (keys = clientAssertionKeys(client)));
  return keys;
}

/** Authenticates the client of a token, revocation or introspection request; throws invalid_client on failure. */
export async function authenticateClient(
  ctx: ProviderContext,
  authorization: string | undefined,
  form: URLSearchParams,
): Promise<OIDCClient> {
  const credentials = presented(authorization, form);
  const client = await ctx.clients.get(credentials.clientId);
  // One description for every failure, so the answer does not reveal which client ids exist.
  const failed = new OAuthError("invalid_client", "Client authentication failed");
  if (!client) throw failed;
  const expected = clientAuthMethod(client);
  if (credentials.method === "jwt") {
    if (expected !== "private_key_jwt" && expected !== "client_secret_jwt") throw failed;
    const keys = await keysOf(ctx, client).catch(() => {
      throw failed;
    });
    await verifyClientAssertion({
      client,
      keys,
      assertion: credentials.assertion!,
      audiences: [ctx.issuer, `${ctx.issuer}/token`, `${ctx.issuer}/revoke`, `${ctx.issuer}/introspect`],
      clockSkewSeconds: ctx.clockSkewSeconds,
      kv: ctx.kv,
      kvPrefix: ctx.kvPrefix,
    });
    return client;
  }
  if (credentials.method !== expected) throw failed;
  if (expected !== "none") {
    if (client.secret === undefined || credentials.secret === undefined) throw failed;
    if (!(await secretMatches(client.secret, credentials.secret))) throw failed;
  }
  return client;
}
