/**
 * Shared pieces of the useAuth / strategy / security tests: an in-memory user directory with real
 * scrypt hashes (cheap parameters), a client with a cookie jar that sends requests through
 * `app.request` from a chosen peer address, and every session-store backend to run strategies on.
 */
import { describe } from "vitest";
import { createDrizzleSessionStore } from "../../../src/auth/stores/drizzle-session-store";
import { createKVSessionStore } from "../../../src/auth/stores/kv-session-store";
import { createMemorySessionStore } from "../../../src/auth/stores/memory-session-store";
import { hashPassword, type PasswordHashOptions } from "../../../src/auth/passwords";
import type { AuthUser, SessionStore, UserDirectory } from "../../../src/auth/types";
import { migrateInternal } from "../../../src/db";
import type { KV } from "../../../src/kernel/kv";
import { createMemoryKV } from "../../../src/kv";
import { databaseTargets, kvTargets, runs, uniquePrefix } from "../stores/backends";

/** scrypt parameters cheap enough for tests that are not about the parameters. */
export const FAST_HASH: PasswordHashOptions = { N: 2 ** 10, r: 8, p: 1 };

export interface TestUsers extends UserDirectory {
  /** Adds a user with a password; returns it. */
  add(email: string, password: string, extra?: Record<string, unknown>): Promise<AuthUser>;
  /** How often each directory method was called. */
  calls: Record<string, number>;
  byId: Map<string, AuthUser & { passwordHash?: string | null }>;
}

/** An in-memory user directory that supports the built-in email+password path. */
export function memoryUsers(): TestUsers {
  const byId = new Map<string, AuthUser & { passwordHash?: string | null }>();
  const calls: Record<string, number> = {};
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  let next = 1;
  const users: TestUsers = {
    calls,
    byId,
    async add(email, password, extra = {}) {
      const user = await users.createUser!({ email, name: (extra.name as string | undefined) ?? null });
      await users.setPasswordHash!(String(user.id), await hashPassword(password, FAST_HASH));
      Object.assign(byId.get(String(user.id))!, extra);
      return users.getById(String(user.id)) as Promise<AuthUser>;
    },
    async getById(id) {
      count("getById");
      const user = byId.get(id);
      return user ? { ...user } : null;
    },
    async findByEmail(email) {
      count("findByEmail");
      for (const user of byId.values()) if (user.email?.toLowerCase() === email.toLowerCase()) return { ...user };
      return null;
    },
    async createUser(input) {
      count("createUser");
      const user = { id: `u${next++}`, email: input.email, name: input.name ?? null, passwordHash: null };
      byId.set(user.id, user);
      return { ...user };
    },
    async getPasswordHash(userId) {
      count("getPasswordHash");
      return byId.get(userId)?.passwordHash ?? null;
    },
    async setPasswordHash(userId, hash) {
      count("setPasswordHash");
      const user = byId.get(userId);
      if (user) user.passwordHash = hash;
    },
  };
  return users;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
  /** Raw Set-Cookie lines of this response, by cookie name. */
  setCookies: Record<string, string>;
}

export interface ClientRequest {
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  bearer?: string;
  /** Peer address of this request (default: the client's). */
  ip?: string;
  /** Send no cookies with this request. */
  noCookies?: boolean;
}

type Fetchable = { request(input: string, init?: RequestInit, env?: unknown): Response | Promise<Response> };

/** A browser-like client: keeps cookies between requests and connects from `ip`. */
export class TestClient {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly app: Fetchable,
    public ip = "203.0.113.10",
    private readonly origin = "http://localhost",
  ) {}

  /** The Cookie header the client would send. */
  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  async send(method: string, path: string, options: ClientRequest = {}): Promise<TestResponse> {
    const headers: Record<string, string> = { ...options.headers };
    let body = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
    if (!options.noCookies && this.cookies.size > 0 && headers.cookie === undefined)
      headers.cookie = this.cookieHeader();
    const env = { incoming: { socket: { remoteAddress: options.ip ?? this.ip } } };
    const res = await this.app.request(`${this.origin}${path}`, { method, headers, body }, env);
    const setCookies: Record<string, string> = {};
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      setCookies[name] = line;
      if (/max-age=0\b/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let parsed: unknown = text;
    if (/json/.test(res.headers.get("content-type") ?? "") && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed, text, setCookies };
  }
}

export interface SessionBackend {
  name: string;
  /** A fresh store (and the KV it lives in, when it is a KV store); close releases it. */
  open(): Promise<{ store: SessionStore; kv: KV; close(): Promise<void> }>;
}

/** Every session store on every backend that can run here; unreachable servers are skipped with a printed reason. */
export async function sessionBackends(): Promise<SessionBackend[]> {
  const backends: SessionBackend[] = [
    {
      name: "memory store",
      open: async () => ({
        store: createMemorySessionStore(),
        kv: createMemoryKV({ sweepIntervalMs: 0 }),
        close: async () => {},
      }),
    },
  ];
  for (const target of kvTargets) {
    if (!(await runs(target))) continue;
    backends.push({
      name: `KV store over ${target.name}`,
      async open() {
        const kv = await target.open();
        const prefix = uniquePrefix("core-sessions");
        return {
          store: createKVSessionStore({ kv, prefix }),
          kv: prefixedKV(kv, prefix),
          async close() {
            for (const key of await kv.keys(prefix)) await kv.delete(key);
            await kv.close();
          },
        };
      },
    });
  }
  for (const target of databaseTargets) {
    if (!(await runs(target))) continue;
    backends.push({
      name: `Drizzle store over ${target.name}`,
      async open() {
        const database = await target.open();
        await migrateInternal(database.db);
        return {
          store: createDrizzleSessionStore({ db: database.db }),
          kv: createMemoryKV({ sweepIntervalMs: 0 }),
          close: () => database.close(),
        };
      },
    });
  }
  return backends;
}

/** The KV behind a prefix, so refresh tokens and throttles of one test stay apart from others on a shared Redis. */
export function prefixedKV(kv: KV, prefix: string): KV {
  const p = (key: string) => prefix + key;
  return {
    get: (key) => kv.get(p(key)),
    set: (key, value, options) => kv.set(p(key), value, options),
    delete: (key) => kv.delete(p(key)),
    has: (key) => kv.has(p(key)),
    incr: (key, by, options) => kv.incr(p(key), by, options),
    incrBounded: (key, by, bounds) => kv.incrBounded(p(key), by, bounds),
    expire: (key, ttl) => kv.expire(p(key), ttl),
    ttl: (key) => kv.ttl(p(key)),
    keys: async (prefixArg) => (await kv.keys(p(prefixArg))).map((key) => key.slice(prefix.length)),
    zadd: (key, member, score) => kv.zadd(p(key), member, score),
    zrem: (key, member) => kv.zrem(p(key), member),
    zscore: (key, member) => kv.zscore(p(key), member),
    zrange: (key, options) => kv.zrange(p(key), options),
    zremRangeByScore: (key, min, max) => kv.zremRangeByScore(p(key), min, max),
    zcard: (key) => kv.zcard(p(key)),
    publish: (channel, message) => kv.publish(p(channel), message),
    subscribe: (channel, handler) => kv.subscribe(p(channel), handler),
    close: async () => {},
  };
}

/** `describe` that prints and skips when no backend is given. */
export function describeEach<T extends { name: string }>(title: string, items: T[], body: (item: T) => void): void {
  for (const item of items) describe(`${title} [${item.name}]`, () => body(item));
}
