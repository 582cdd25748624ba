/**
 * What an open stream keeps to authorize itself again later: the credential headers and how the
 * auth layer authenticated them (never the request itself), the URL (scope resolvers may read
 * its query), the runtime bindings and the variables app middleware set on the request.
 */
import { Context } from "hono";
import {
  credentialHeaders,
  requestElevation,
  requestIdentity,
  type IdentityUser,
  type RequestElevation,
  type RequestIdentity,
} from "../kernel/identity-events";
import type { CovaraEnv } from "../kernel/http";
import { sha256Url } from "../kernel/web-crypto";

export interface StreamAuth {
  /** How covara's auth middleware authenticated the request; null without it (anonymous, or an app's own auth). */
  identity: RequestIdentity | null;
  /** The real user the stream was opened by (null when anonymous): the admin behind an elevation. */
  user: IdentityUser | null;
  /** The admin bypass or impersonation the stream was opened under, re-applied at every check. */
  elevation: RequestElevation | null;
  /** Streams with the same key share one re-authentication. */
  groupKey: string;
  url: string;
  credentials: Readonly<Record<string, string>>;
  env: unknown;
  vars: Readonly<Record<string, unknown>>;
}

let nextUnsharedKey = 0;

/**
 * Captures what the stream opened by `c` needs to be authorized again. Streams of one session
 * share a group; streams authenticated without a session (an API key, a bearer token without a
 * refresh family) share one per credential, keyed by the credentials' SHA-256 so the group map
 * never holds a usable credential as its key.
 */
export async function captureStreamAuth(c: Context<CovaraEnv>): Promise<StreamAuth> {
  const identity = requestIdentity(c.req.raw) ?? null;
  const elevation = requestElevation(c.req.raw) ?? null;
  const user = elevation ? elevation.realUser : (c.get("user") ?? null);
  const credentials = identity?.credentials ?? credentialHeaders(c.req.raw);
  let groupKey: string;
  if (identity)
    groupKey =
      identity.sessionId !== null ? `s:${identity.sessionId}` : `c:${await sha256Url(JSON.stringify(credentials))}`;
  // Without covara's auth the user cannot be reloaded: each stream re-resolves its own scope.
  else groupKey = user === null ? "anonymous" : `u:${++nextUnsharedKey}`;
  return { identity, user, elevation, groupKey, url: c.req.url, credentials, env: c.env, vars: { ...c.var } };
}

/** A context like the stream's original request, carrying only its credentials, with `user` set. */
export function freshContext(auth: StreamAuth, user: IdentityUser | null): Context<CovaraEnv> {
  const c = new Context(new Request(auth.url, { headers: auth.credentials }), { env: auth.env });
  for (const [key, value] of Object.entries(auth.vars)) c.set(key, value);
  c.set("user", user);
  return c;
}

/**
 * The context a stream's scope is re-resolved with: the real user as loaded now, under the same
 * admin elevation the stream was opened with (a 403 problem when it no longer applies).
 */
export async function streamContext(auth: StreamAuth, user: IdentityUser | null): Promise<Context<CovaraEnv>> {
  const c = freshContext(auth, user);
  if (auth.elevation) await auth.elevation.reapply(c);
  return c;
}
