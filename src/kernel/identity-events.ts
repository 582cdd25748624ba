/**
 * Identity signals shared by auth and the features that hold a user for a long time (open
 * subscription streams). Auth never imports those features: it records here how a request was
 * authenticated, and publishes "session X / user Y was revoked"; listeners (realtime) re-check
 * the identities concerned at once. Over a shared KV (Redis) the signal crosses processes.
 */
import type { Context } from "hono";
import type { KV } from "./kv";
import { defaultLogger } from "./context";

/** The user an authentication yields (the shape of `c.get("user")`). */
export interface IdentityUser {
  id: string | number;
  [key: string]: unknown;
}

/** What a re-authentication yields: the user as the auth layer loads it now, and its session. */
export interface ReauthenticatedIdentity {
  user: IdentityUser;
  sessionId: string | null;
}

/**
 * How a request was authenticated, kept so that a long-lived stream can re-run the very same
 * authentication later without holding the request: the credential headers and the strategy.
 */
export interface RequestIdentity {
  userId: string;
  /** The server-side session (cookie session id, refresh family of a bearer token), if any. */
  sessionId: string | null;
  /** Only the headers that carry credentials (cookie, authorization, x-api-key). */
  credentials: Readonly<Record<string, string>>;
  /**
   * Runs the authentication again on a context built from `credentials`; null when the
   * credentials no longer authenticate anybody. May throw a 401 problem (invalid bearer token).
   */
  reauthenticate(c: Context): Promise<ReauthenticatedIdentity | null>;
}

/** A revocation: every identity with this session id, or of this user, must be checked again. */
export interface IdentityRevocation {
  sessionId?: string;
  userId?: string;
}

/** The request headers that may carry a credential; only these are kept on a stream. */
const CREDENTIAL_HEADERS = ["cookie", "authorization", "x-api-key"] as const;

const identities = new WeakMap<Request, RequestIdentity>();

/** Records how `request` was authenticated (called by the auth middleware). */
export function recordRequestIdentity(request: Request, identity: RequestIdentity): void {
  identities.set(request, identity);
}

/** How `request` was authenticated, when covara's auth middleware authenticated it. */
export function requestIdentity(request: Request): RequestIdentity | undefined {
  return identities.get(request);
}

/** The credential headers of a request (see CREDENTIAL_HEADERS). */
export function credentialHeaders(request: Request): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of CREDENTIAL_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) kept[name] = value;
  }
  return kept;
}

/**
 * An admin's elevation of a request (the scope bypass, or an impersonation), kept so that a
 * long-lived stream opened under it is re-checked under the same effective scope: its later
 * checks start from the real (admin) user as re-authenticated then, and `reapply` does again what
 * the admin middleware did, or throws a 403 problem when that user may no longer do it.
 */
export interface RequestElevation {
  /** The user who really made the request (the admin), before any impersonation swap. */
  realUser: IdentityUser | null;
  /** Re-applies the elevation on a fresh context whose `user` is the real user as loaded now. */
  reapply(c: Context): Promise<void>;
}

const elevations = new WeakMap<Request, RequestElevation>();

/** Records that `request` runs elevated (called by the admin identity middleware). */
export function recordRequestElevation(request: Request, elevation: RequestElevation): void {
  elevations.set(request, elevation);
}

/** The elevation `request` runs under, if an admin elevated it. */
export function requestElevation(request: Request): RequestElevation | undefined {
  return elevations.get(request);
}

type RevocationListener = (revocation: IdentityRevocation) => void;

const listeners = new Set<RevocationListener>();
/** KVs the signal is forwarded through, with how many holders use each. */
const bridges = new Map<
  KV,
  { channel: string; holders: number; origin: string; unsubscribe: Promise<() => Promise<void>> }
>();

/** Listens for revocations (local and, through bridged KVs, from other processes); returns the remover. */
export function onIdentityRevoked(listener: RevocationListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function deliverLocally(revocation: IdentityRevocation): void {
  for (const listener of [...listeners]) {
    try {
      listener(revocation);
    } catch (error) {
      defaultLogger().error("covara: an identity revocation listener failed", error);
    }
  }
}

/**
 * Announces that a session or a user's sessions were revoked. Listeners in this process hear it
 * at once; processes sharing a bridged KV hear it through its pub/sub. Never throws.
 */
export async function publishIdentityRevoked(revocation: IdentityRevocation): Promise<void> {
  if (revocation.sessionId === undefined && revocation.userId === undefined) return;
  deliverLocally(revocation);
  await Promise.all(
    [...bridges].map(([kv, bridge]) =>
      kv
        .publish(bridge.channel, JSON.stringify({ o: bridge.origin, s: revocation.sessionId, u: revocation.userId }))
        .catch((error: unknown) => {
          defaultLogger().error("covara: forwarding an identity revocation to other processes failed", error);
        }),
    ),
  );
}

function parseRevocation(message: string, origin: string): IdentityRevocation | null {
  try {
    const parsed: unknown = JSON.parse(message);
    if (typeof parsed !== "object" || parsed === null) return null;
    const { o, s, u } = parsed as { o?: unknown; s?: unknown; u?: unknown };
    // Our own message came back through the KV: listeners here already heard it.
    if (o === origin) return null;
    const revocation: IdentityRevocation = {};
    if (typeof s === "string") revocation.sessionId = s;
    if (typeof u === "string") revocation.userId = u;
    return revocation.sessionId === undefined && revocation.userId === undefined ? null : revocation;
  } catch {
    return null;
  }
}

/**
 * Forwards revocations through `kv`'s pub/sub on `channel` (both ways) until the returned
 * function is called. Several holders of one KV share one subscription.
 */
export function bridgeIdentityEvents(kv: KV, channel: string): () => Promise<void> {
  let bridge = bridges.get(kv);
  if (!bridge) {
    const origin = crypto.randomUUID();
    const unsubscribe = kv.subscribe(channel, (message) => {
      const revocation = parseRevocation(message, origin);
      if (revocation) deliverLocally(revocation);
    });
    bridge = { channel, holders: 0, origin, unsubscribe };
    bridges.set(kv, bridge);
    unsubscribe.catch((error: unknown) =>
      defaultLogger().error("covara: listening for identity revocations on the KV failed", error),
    );
  }
  bridge.holders += 1;
  const held = bridge;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    held.holders -= 1;
    if (held.holders > 0 || bridges.get(kv) !== held) return;
    bridges.delete(kv);
    const unsubscribe = await held.unsubscribe.catch(() => null);
    await unsubscribe?.().catch(() => undefined);
  };
}
