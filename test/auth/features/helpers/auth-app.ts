/**
 * What the feature tests share: the app's user directory (in memory, as an app would supply it),
 * a browser with a cookie jar that also collects work deferred with `waitUntil`, captured emails,
 * and the backends every flow runs against — the memory KV and the real Redis, with verification
 * tokens in the KV or in auth_verification_tokens on better-sqlite3, PGlite and PostgreSQL.
 */
import { createCovara } from "../../../../src";
import { useAuth, type UseAuthOptions, type UseAuthResult } from "../../../../src/auth";
import { hashPassword } from "../../../../src/auth/passwords";
import type {
  AuthEmail,
  AuthFeature,
  AuthUser,
  UserDirectory,
  VerificationTokenStore,
} from "../../../../src/auth/types";
import { createDrizzleVerificationTokenStore } from "../../../../src/auth/stores/drizzle-verification-token-store";
import { migrateInternal } from "../../../../src/db";
import type { KV } from "../../../../src/kernel/kv";
import { createMemoryKV, createRedisKV } from "../../../../src/kv";
import { redisSkipReason } from "../../../helpers/test-redis";
import { clearAuthTables, databaseTargets, REDIS_URL, type StoreDatabase } from "../../stores/backends";

/** Cheap scrypt for tests that are not about the hashing parameters. */
export const FAST_HASH = { N: 2 ** 10, r: 8, p: 1 } as const;

export interface StoredUser extends AuthUser {
  passwordHash: string | null;
}

/** An app-owned user directory held in memory. */
export interface MemoryUsers extends UserDirectory {
  readonly rows: Map<string, StoredUser>;
  add(email: string, password?: string, extra?: Partial<StoredUser>): Promise<StoredUser>;
  /** Every call to markEmailVerified / createUser, for assertions. */
  readonly calls: string[];
}

/** Creates the directory. Optional methods can be left out with `without`. */
export function memoryUsers(without: (keyof UserDirectory)[] = []): MemoryUsers {
  const rows = new Map<string, StoredUser>();
  const calls: string[] = [];
  let next = 1;
  const copy = (user: StoredUser | undefined): StoredUser | null => (user ? { ...user } : null);
  const directory: MemoryUsers = {
    rows,
    calls,
    async add(email, password, extra = {}) {
      const user: StoredUser = {
        id: String(next++),
        email,
        name: null,
        emailVerified: null,
        passwordHash: password === undefined ? null : await hashPassword(password, FAST_HASH),
        ...extra,
      };
      rows.set(user.id, user);
      return { ...user };
    },
    getById: async (id) => copy(rows.get(id)),
    findByEmail: async (email) =>
      copy([...rows.values()].find((user) => user.email?.toLowerCase() === email.toLowerCase())),
    async createUser(input) {
      calls.push(`createUser:${input.email}`);
      return directory.add(input.email, undefined, {
        name: input.name ?? null,
        emailVerified: input.emailVerified ?? null,
      });
    },
    getPasswordHash: async (id) => rows.get(id)?.passwordHash ?? null,
    async setPasswordHash(id, hash) {
      calls.push(`setPasswordHash:${id}`);
      const user = rows.get(id);
      if (user) user.passwordHash = hash;
    },
    async markEmailVerified(id) {
      calls.push(`markEmailVerified:${id}`);
      const user = rows.get(id);
      if (user) user.emailVerified = new Date();
    },
  };
  for (const method of without) delete (directory as unknown as Record<string, unknown>)[method];
  return directory;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

interface SendOptions {
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** Skip the cookie jar (an attacker's request). */
  anonymous?: boolean;
}

/** A client with a cookie jar; work the app defers with waitUntil is collected for `settle()`. */
export class Browser {
  readonly cookies = new Map<string, string>();
  private readonly deferred: Promise<unknown>[] = [];

  constructor(
    private readonly app: {
      request: (input: string, init?: RequestInit, env?: unknown, ctx?: any) => Response | Promise<Response>;
    },
    private readonly origin = "http://localhost",
  ) {}

  async send(method: string, path: string, options: SendOptions = {}): Promise<TestResponse> {
    const headers: Record<string, string> = { ...options.headers };
    let body = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    if (!options.anonymous && this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    }
    const executionCtx = {
      waitUntil: (promise: Promise<unknown>) => void this.deferred.push(promise),
      passThroughOnException() {},
      props: {},
    };
    const url = path.startsWith("http") ? path : `${this.origin}${path}`;
    const res = await this.app.request(url, { method, headers, body }, undefined, executionCtx);
    if (!options.anonymous) this.absorbCookies(res.headers);
    const text = await res.text();
    let parsed: unknown = text;
    if (/json/.test(res.headers.get("content-type") ?? "") && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  /** Waits for every piece of work the app deferred (email delivery, ...). */
  async settle(): Promise<void> {
    while (this.deferred.length > 0) await Promise.allSettled(this.deferred.splice(0));
  }

  private absorbCookies(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** Where a test's KV and verification tokens live. */
export interface FeatureBackend {
  name: string;
  skipReason: Promise<string | null>;
  /** Per test: a fresh KV (and token store). */
  open(): Promise<{ kv: KV; tokens?: VerificationTokenStore; close(): Promise<void> }>;
  /** After the suite: releases what tests shared (a database opened once). */
  shutdown?(): Promise<void>;
}

const RUN = `${process.pid.toString(36)}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
let opened = 0;

/** The memory KV and the real Redis (each test under its own key prefix). */
export const kvBackends: FeatureBackend[] = [
  {
    name: "memory KV",
    skipReason: Promise.resolve(null),
    async open() {
      const kv = createMemoryKV({ sweepIntervalMs: 0 });
      return { kv, close: () => kv.close() };
    },
  },
  {
    name: "Redis KV",
    skipReason: redisSkipReason(),
    async open() {
      const kv = await createRedisKV({ url: REDIS_URL, keyPrefix: `covara-test:${RUN}:features:${++opened}:` });
      return {
        kv,
        async close() {
          // Leave the shared Redis as we found it: drop every key this test wrote under its prefix.
          for (const key of await kv.keys("")) await kv.delete(key);
          await kv.close();
        },
      };
    },
  },
];

/**
 * kvBackends plus verification tokens in SQL on every dialect (for the token flows). A database is
 * opened once per suite — opening PGlite costs seconds — and its auth tables emptied after each test.
 */
export const tokenBackends: FeatureBackend[] = [
  ...kvBackends,
  ...databaseTargets.map((target): FeatureBackend => {
    let database: Promise<StoreDatabase> | undefined;
    return {
      name: `tokens in ${target.name}`,
      skipReason: target.skipReason,
      async open() {
        database ??= target.open().then(async (opened) => (await migrateInternal(opened.db), opened));
        const shared = await database;
        const kv = createMemoryKV({ sweepIntervalMs: 0 });
        return {
          kv,
          tokens: createDrizzleVerificationTokenStore({ db: shared.db }),
          async close() {
            await kv.close();
            await clearAuthTables(shared);
          },
        };
      },
      async shutdown() {
        if (database) await (await database).close();
        database = undefined;
      },
    };
  }),
];

/** Prints why a backend is skipped; true when it runs. */
export async function backendRuns(backend: FeatureBackend): Promise<boolean> {
  const reason = await backend.skipReason;
  if (reason !== null) console.warn(`[covara auth feature tests] skipping ${backend.name}: ${reason}`);
  return reason === null;
}

export interface FeatureApp {
  auth: UseAuthResult;
  users: MemoryUsers;
  outbox: AuthEmail[];
  browser(): Browser;
  app: ReturnType<typeof createCovara>;
}

/** A covara app with useAuth mounted at /api/auth, over the given KV (and token store). */
export function featureApp(
  backend: { kv: KV; tokens?: VerificationTokenStore },
  features: AuthFeature[],
  options: Partial<UseAuthOptions> & { users?: MemoryUsers } = {},
): FeatureApp {
  const users = options.users ?? memoryUsers();
  const outbox: AuthEmail[] = [];
  const auth = useAuth({
    kv: backend.kv,
    ...(backend.tokens ? { tokens: backend.tokens } : {}),
    users,
    features,
    passwordHashing: FAST_HASH,
    sendEmail: async (email) => void outbox.push(email),
    ...options,
    security: { peerAddress: (c) => c.req.header("x-test-peer") ?? "127.0.0.1", ...options.security },
  });
  const app = createCovara();
  app.use("*", auth.middleware);
  app.route("/api/auth", auth.router);
  app.get("/api/whoami", (c) => c.json({ user: c.get("user") ?? null }));
  return { auth, users, outbox, app, browser: () => new Browser(app) };
}

/** The token carried by an email's link. */
export function tokenOf(email: AuthEmail | undefined): string {
  if (!email?.url) throw new Error("the email carries no link");
  const token = new URL(email.url).searchParams.get("token");
  if (!token) throw new Error(`no token in ${email.url}`);
  return token;
}

/** Asserts a problem+json answer and returns its body. */
export function expectProblem(res: TestResponse, status: number, code?: string): any {
  if (
    res.status !== status ||
    !/application\/problem\+json/.test(res.headers.get("content-type") ?? "") ||
    (code && res.body?.code !== code)
  ) {
    throw new Error(
      `expected a ${status} problem${code ? ` ${code}` : ""}, got ${res.status} ${res.headers.get("content-type")}: ${res.text.slice(0, 300)}`,
    );
  }
  return res.body;
}
