/**
 * The provider's own sign-in session: who is signed in to the provider in this browser, set by
 * its login page, a federated callback or a Passport callback. The cookie holds a random handle;
 * the KV keeps the session under the handle's SHA-256, so the KV never holds a usable cookie.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { KV } from "../kernel/kv";
import { handleKey, randomHandle } from "./encoding";
import { readRecord, writeRecord } from "./kv-records";

export interface ProviderSession {
  sub: string;
  /** When the user authenticated (seconds), the id_token's auth_time. */
  authTime: number;
  /** How: "pwd", "fed:<name>", "passport:<name>", "app". */
  amr: string[];
  expiresAt: number;
}

export interface ProviderSessionStore {
  /** The session of this request's browser, if any. */
  read(c: Context): Promise<ProviderSession | null>;
  /** Signs the browser in (replacing any earlier session: no fixation). */
  start(c: Context, sub: string, amr: string[]): Promise<ProviderSession>;
  /** Signs the browser out. */
  end(c: Context): Promise<ProviderSession | null>;
}

export interface SessionSettings {
  cookieName: string;
  ttlSeconds: number;
  /** The issuer's path: the cookie is sent to the provider's routes only. */
  cookiePath: string;
  secure: boolean;
}

export function createProviderSessionStore(kv: KV, prefix: string, settings: SessionSettings): ProviderSessionStore {
  const key = async (handle: string) => `${prefix}session:${await handleKey(handle)}`;
  const cookieOptions = {
    path: settings.cookiePath,
    httpOnly: true,
    secure: settings.secure,
    sameSite: "Lax" as const,
  };

  async function read(c: Context): Promise<ProviderSession | null> {
    const handle = getCookie(c, settings.cookieName);
    if (!handle || handle.length > 128) return null;
    const session = await readRecord<ProviderSession>(kv, await key(handle));
    return session && session.expiresAt > Date.now() ? session : null;
  }

  async function end(c: Context): Promise<ProviderSession | null> {
    const handle = getCookie(c, settings.cookieName);
    deleteCookie(c, settings.cookieName, cookieOptions);
    if (!handle || handle.length > 128) return null;
    const storageKey = await key(handle);
    const session = await readRecord<ProviderSession>(kv, storageKey);
    await kv.delete(storageKey);
    return session;
  }

  return {
    read,
    end,
    async start(c, sub, amr) {
      await end(c);
      const handle = randomHandle();
      const session: ProviderSession = {
        sub,
        authTime: Math.floor(Date.now() / 1000),
        amr,
        expiresAt: Date.now() + settings.ttlSeconds * 1000,
      };
      await writeRecord(kv, await key(handle), session, settings.ttlSeconds * 1000);
      setCookie(c, settings.cookieName, handle, { ...cookieOptions, maxAge: settings.ttlSeconds });
      return session;
    },
  };
}
