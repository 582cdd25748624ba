/**
 * Open streams follow the auth layer: a stream whose session is logged out, revoked or deleted
 * ends with a `revoked` event at once (not at its next re-check), a stream whose user's scope
 * changed keeps going under the new scope (after an `invalidate`), and the periodic re-check
 * catches what no signal announced. Over the memory KV and the real Redis at REDIS_URL.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCovara, type CovaraApp } from "../../src";
import {
  cookieSession,
  jwtSession,
  useAuth,
  type CookieSessionStrategy,
  type SessionStore,
  type SessionStrategy,
} from "../../src/auth";
import { sha256Url } from "../../src/kernel/web-crypto";
import { createApiKeyService } from "../../src/auth/api-keys";
import { createMemoryApiKeyStore } from "../../src/auth/stores/memory-api-key-store";
import { onIdentityRevoked, type IdentityRevocation } from "../../src/kernel/identity-events";
import type { KV } from "../../src/kernel/kv";
import { createMemoryKV } from "../../src/kv";
import { FAST_HASH, memoryUsers, TestClient, type TestUsers } from "../auth/core/harness";
import { send } from "../helpers/app";
import { dialectTargets, type TestDatabase } from "../helpers/dialects";
import { SseReader } from "../helpers/sse";
import { closeLiveApps, testHub } from "./live-app";
import { cleanRedis, openRedisKV, RUN_PREFIX, redisUnavailable } from "./redis-kv";

const PASSWORD = "correct horse battery";
/** Long enough that only a revocation signal can end a stream within a test's waits. */
const NEVER_MS = 600_000;
const WAIT_MS = 3000;

let t: TestDatabase;
beforeAll(async () => {
  t = await dialectTargets[0]!.open();
});
afterAll(async () => {
  await t.close();
});

interface Fixture {
  app: CovaraApp;
  users: TestUsers;
  store: SessionStore;
  cookies: CookieSessionStrategy;
  ada: TestClient;
}

const readers: SseReader[] = [];

/** An app with cookie sessions whose users read the rows of their role (admins read all). */
async function fixture(
  kv: KV,
  reauthorizeMs: number,
  namespace?: string,
  bearer = false,
): Promise<Fixture & { accessToken?: string }> {
  const users = memoryUsers();
  await users.add("ada@example.com", PASSWORD, { role: "admin" });
  const cookies = cookieSession();
  const strategy: SessionStrategy = bearer
    ? jwtSession({ secret: "a-test-secret-that-is-at-least-32-bytes!", issuer: "http://localhost", audience: "app" })
    : cookies;
  const auth = useAuth({ strategy, users, kv, passwordHashing: FAST_HASH, security: { throttle: false } });
  const app = createCovara({ realtime: testHub(kv, namespace ? { namespace } : {}), auth }).resource(
    "/users",
    t.users,
    {
      id: t.users.id,
      db: t.db,
      name: "users",
      auth: {
        public: { create: true, update: true, delete: true },
        read: (user) => (user.role === "admin" ? true : user.role === "none" ? false : `role==${String(user.role)}`),
      },
      subscriptions: { reauthorizeMs },
    },
  );
  currentApp = app;
  const ada = new TestClient(app);
  const login = await ada.send("POST", "/api/auth/login", { body: { email: "ada@example.com", password: PASSWORD } });
  expect(login.status).toBe(200);
  return {
    app,
    users,
    store: cookies.store,
    cookies,
    ada,
    accessToken: (login.body as { accessToken?: string }).accessToken,
  };
}

let currentApp: CovaraApp;

async function open(client: TestClient, path: string, bearer?: string): Promise<SseReader> {
  const headers: Record<string, string> = { accept: "text/event-stream", cookie: client.cookieHeader() };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const response = await currentApp.request(`http://localhost${path}`, { headers });
  expect(response.status).toBe(200);
  const reader = new SseReader(response.body!);
  readers.push(reader);
  return reader;
}

/** Everything until the stream closes; fails when it does not close in time. */
async function untilClosed(reader: SseReader) {
  const events = [...reader.takeQueued()];
  events.push(...(await reader.toEnd(WAIT_MS)));
  return events;
}

function runRevocationSuite(name: string, kv: () => KV) {
  describe(`subscription revocation [${name}]`, () => {
    afterEach(async () => {
      await Promise.all(readers.splice(0).map((reader) => reader.cancel()));
      await closeLiveApps();
      await t.reset();
    });

    it("logout ends the session's open streams at once with a `revoked` event", async () => {
      const { ada } = await fixture(kv(), NEVER_MS);
      const rows = await open(ada, "/api/users/subscribe");
      const aggregate = await open(ada, "/api/users/aggregate/subscribe?groupBy=role");
      await rows.until("snapshot");
      await aggregate.until("aggregate");
      expect((await ada.send("POST", "/api/auth/logout")).status).toBeLessThan(300);
      for (const reader of [rows, aggregate]) {
        const last = (await untilClosed(reader)).at(-1)!;
        expect(last.event).toBe("revoked");
        expect(last.data).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
      }
    });

    it("a bearer stream ends when its refresh family is revoked (logout)", async () => {
      const { ada, accessToken } = await fixture(kv(), NEVER_MS, undefined, true);
      const rows = await open(ada, "/api/users/subscribe", accessToken);
      await rows.until("snapshot");
      await ada.send("POST", "/api/auth/logout", { bearer: accessToken });
      const last = (await untilClosed(rows)).at(-1)!;
      expect(last.event).toBe("revoked");
      expect(last.data).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
    });

    it("POST /logout/all ends the streams of every session of the user", async () => {
      const { app, ada } = await fixture(kv(), NEVER_MS);
      const other = new TestClient(app);
      expect(
        (await other.send("POST", "/api/auth/login", { body: { email: "ada@example.com", password: PASSWORD } }))
          .status,
      ).toBe(200);
      const first = await open(ada, "/api/users/subscribe");
      const second = await open(other, "/api/users/subscribe");
      await first.until("snapshot");
      await second.until("snapshot");
      await ada.send("POST", "/api/auth/logout/all");
      expect((await untilClosed(first)).at(-1)!.event).toBe("revoked");
      expect((await untilClosed(second)).at(-1)!.event).toBe("revoked");
    });

    it("a session ended through the strategy ends its streams; other sessions' streams go on", async () => {
      const { app, ada, cookies } = await fixture(kv(), NEVER_MS);
      const other = new TestClient(app);
      await other.send("POST", "/api/auth/login", { body: { email: "ada@example.com", password: PASSWORD } });
      const doomed = await open(ada, "/api/users/subscribe");
      const kept = await open(other, "/api/users/subscribe");
      await doomed.until("snapshot");
      await kept.until("snapshot");
      const keptSession = await cookies.store.get(await sha256Url(other.cookies.get("covara.sid")!));
      // The strategy announces the revocation (the store only deletes).
      await cookies.revokeOthers(keptSession!.userId, keptSession!.id);
      expect((await untilClosed(doomed)).at(-1)!.event).toBe("revoked");
      await send(app, "POST", "/api/users", { body: { name: "Ann", email: "ann@x.io", role: "user" } });
      expect((await kept.until("added", WAIT_MS)).at(-1)!.data.row.name).toBe("Ann");
    });

    it("a role change applies to open streams at the next re-check: `invalidate`, then only rows of the new scope", async () => {
      const { app, ada, users } = await fixture(kv(), 50);
      const rows = await open(ada, "/api/users/subscribe");
      await rows.until("snapshot");
      await send(app, "POST", "/api/users", { body: { name: "Ann", email: "ann@x.io", role: "user" } });
      expect((await rows.until("added", WAIT_MS)).at(-1)!.data.row.name).toBe("Ann");

      users.byId.get("u1")!.role = "mod";
      const invalidated = (await rows.until("invalidate", WAIT_MS)).at(-1)!;
      expect(invalidated.data.reason).toBe("scope-changed");
      // The list endpoint and the stream agree: a user row is no longer seen, a mod row is.
      await send(app, "POST", "/api/users", { body: { name: "Bea", email: "bea@x.io", role: "user" } });
      await send(app, "POST", "/api/users", { body: { name: "Cid", email: "cid@x.io", role: "mod" } });
      const added = (await rows.until("added", WAIT_MS)).filter((event) => event.event === "added");
      expect(added.map((event) => event.data.row.name)).toEqual(["Cid"]);
      const listed = await ada.send("GET", "/api/users");
      expect((listed.body as { items: { name: string }[] }).items.map((row) => row.name)).toEqual(["Cid"]);
    });

    it("a user who may no longer read ends with `revoked` (403); the aggregate follows the new scope", async () => {
      const { app, ada, users } = await fixture(kv(), 50);
      await send(app, "POST", "/api/users", { body: { name: "Ann", email: "ann@x.io", role: "user" } });
      await send(app, "POST", "/api/users", { body: { name: "Cid", email: "cid@x.io", role: "mod" } });
      const aggregate = await open(ada, "/api/users/aggregate/subscribe?groupBy=role&orderBy=role");
      expect((await aggregate.until("aggregate")).at(-1)!.data.groups).toHaveLength(2);
      users.byId.get("u1")!.role = "mod";
      const narrowed = (await aggregate.until("aggregate", WAIT_MS)).at(-1)!;
      expect(narrowed.data.groups).toEqual([{ role: "mod", count: 1 }]);

      const rows = await open(ada, "/api/users/subscribe");
      await rows.until("snapshot");
      users.byId.get("u1")!.role = "none";
      for (const reader of [rows, aggregate]) {
        const last = (await untilClosed(reader)).at(-1)!;
        expect(last.event).toBe("revoked");
        expect(last.data).toMatchObject({ status: 403, code: "FORBIDDEN" });
      }
    });

    it("the periodic re-check ends a stream whose session vanished without a signal (expired, removed behind covara's back)", async () => {
      const { ada } = await fixture(kv(), 50);
      const rows = await open(ada, "/api/users/subscribe");
      await rows.until("snapshot");
      const id = await sha256Url(ada.cookies.get("covara.sid")!);
      // What a TTL expiry does: the key is gone, nobody was told.
      await kv().delete(`covara:sessions:s:${id}`);
      expect((await untilClosed(rows)).at(-1)!.event).toBe("revoked");
    });

    it("an unchanged identity keeps its stream and its scope: no event but heartbeats and changes", async () => {
      const { app, ada } = await fixture(kv(), 20);
      const rows = await open(ada, "/api/users/subscribe");
      await rows.until("snapshot");
      await new Promise((resolve) => setTimeout(resolve, 200));
      await send(app, "POST", "/api/users", { body: { name: "Ann", email: "ann@x.io", role: "user" } });
      const events = await rows.until("added", WAIT_MS);
      expect(events.map((event) => event.event)).toEqual(["added"]);
    });
  });
}

describe("identity revocation signals", () => {
  /** The revocations announced while `act` runs. */
  async function heardDuring(act: () => Promise<unknown>): Promise<IdentityRevocation[]> {
    const heard: IdentityRevocation[] = [];
    const stop = onIdentityRevoked((revocation) => heard.push(revocation));
    try {
      await act();
    } finally {
      stop();
    }
    return heard;
  }

  /** An app with `strategy` and three signed-in clients of one user. */
  async function signedIn(strategy: SessionStrategy) {
    const users = memoryUsers();
    const ada = await users.add("ada@example.com", PASSWORD);
    const app = createCovara({
      auth: useAuth({
        strategy,
        users,
        kv: createMemoryKV(),
        passwordHashing: FAST_HASH,
        security: { throttle: false },
      }),
    });
    const clients: { client: TestClient; accessToken?: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const client = new TestClient(app);
      const login = await client.send("POST", "/api/auth/login", {
        body: { email: "ada@example.com", password: PASSWORD },
      });
      expect(login.status).toBe(200);
      clients.push({ client, accessToken: (login.body as { accessToken?: string }).accessToken });
    }
    return { userId: String(ada.id), clients };
  }

  const jwtOptions = {
    secret: "a-test-secret-that-is-at-least-32-bytes!",
    issuer: "http://localhost",
    audience: "app",
  };

  it("a cookie logout announces its session once", async () => {
    const { clients } = await signedIn(cookieSession());
    const sessionId = await sha256Url(clients[0]!.client.cookies.get("covara.sid")!);
    expect(await heardDuring(() => clients[0]!.client.send("POST", "/api/auth/logout"))).toEqual([{ sessionId }]);
  });

  it("a cookie logout reads its session once (the auth middleware's read) before deleting it", async () => {
    const strategy = cookieSession();
    const { clients } = await signedIn(strategy);
    const store = strategy.store;
    const get = store.get.bind(store);
    let reads = 0;
    store.get = (id) => {
      reads++;
      return get(id);
    };
    expect((await clients[0]!.client.send("POST", "/api/auth/logout")).status).toBe(200);
    expect(reads).toBe(1);
  });

  it("a logout with a cookie whose session is already gone announces nothing", async () => {
    const strategy = cookieSession();
    const { clients } = await signedIn(strategy);
    await strategy.store.delete(await sha256Url(clients[0]!.client.cookies.get("covara.sid")!));
    expect(await heardDuring(() => clients[0]!.client.send("POST", "/api/auth/logout"))).toEqual([]);
  });

  it("/logout/all announces the user once, whatever the number of sessions", async () => {
    const { userId, clients } = await signedIn(cookieSession());
    expect(await heardDuring(() => clients[0]!.client.send("POST", "/api/auth/logout/all"))).toEqual([{ userId }]);
  });

  it("revokeOthers and revokeAll announce the user once (the store itself announces nothing)", async () => {
    const strategy = cookieSession();
    const { userId, clients } = await signedIn(strategy);
    const kept = await sha256Url(clients[0]!.client.cookies.get("covara.sid")!);
    expect(await heardDuring(() => strategy.revokeOthers(userId, kept))).toEqual([{ userId }]);
    expect(await heardDuring(() => strategy.revokeAll(userId))).toEqual([{ userId }]);
    expect(await heardDuring(() => strategy.store.delete(kept))).toEqual([]);
  });

  it("a bearer logout sending both the refresh cookie and the access token announces its family once", async () => {
    const { clients } = await signedIn(jwtSession(jwtOptions));
    const heard = await heardDuring(() =>
      clients[0]!.client.send("POST", "/api/auth/logout", { bearer: clients[0]!.accessToken }),
    );
    expect(heard).toHaveLength(1);
    expect(heard[0]).toEqual({ sessionId: expect.any(String) });
  });

  it("revoking every refresh family of a user announces the user once", async () => {
    const strategy = jwtSession(jwtOptions);
    const { userId, clients } = await signedIn(strategy);
    expect(
      await heardDuring(() =>
        clients[0]!.client.send("POST", "/api/auth/logout/all", { bearer: clients[0]!.accessToken }),
      ),
    ).toEqual([{ userId }]);
    expect(await heardDuring(() => strategy.revokeAll(userId))).toEqual([{ userId }]);
  });

  it("revoking or rotating an API key re-checks its owner's streams", async () => {
    const heard: IdentityRevocation[] = [];
    const stop = onIdentityRevoked((revocation) => heard.push(revocation));
    try {
      const service = createApiKeyService({ store: createMemoryApiKeyStore() });
      const created = await service.create({ userId: "u7", name: "ci" });
      await service.revoke(created.apiKey.id);
      expect(heard).toContainEqual({ userId: "u7" });
    } finally {
      stop();
    }
  });
});

runRevocationSuite(
  "memory KV",
  (() => {
    const kv = createMemoryKV();
    return () => kv;
  })(),
);

const reason = await redisUnavailable();
if (reason !== null) {
  console.warn(`Skipping subscription revocation over Redis: ${reason}`);
  describe.skip("subscription revocation over Redis (no Redis at REDIS_URL)", () => {
    it("needs a Redis server", () => {});
  });
} else {
  let kv: KV | undefined;
  beforeAll(async () => {
    kv = await openRedisKV("covara-rt-revocation");
  });
  afterAll(async () => {
    await kv?.close();
    await cleanRedis();
  });
  runRevocationSuite("Redis", () => kv!);

  describe("revocations cross processes through Redis", () => {
    afterEach(async () => {
      await Promise.all(readers.splice(0).map((reader) => reader.cancel()));
      await closeLiveApps();
      await t.reset();
    });

    it("a revocation published by another process ends the stream here", async () => {
      const namespace = `covara-rt-revoke:${RUN_PREFIX}${Date.now()}`;
      const { ada } = await fixture(kv!, NEVER_MS, namespace);
      const rows = await open(ada, "/api/users/subscribe");
      await rows.until("snapshot");
      const sessionId = await sha256Url(ada.cookies.get("covara.sid")!);
      // Another process: its own connection, its own origin; it deleted the session and says so.
      await kv!.delete(`covara:sessions:s:${sessionId}`);
      const elsewhere = await openRedisKV("covara-rt-revocation-peer");
      try {
        await elsewhere.publish(
          `${namespace}:identity-revoked`,
          JSON.stringify({ o: "another-process", s: sessionId }),
        );
        expect((await untilClosed(rows)).at(-1)!.event).toBe("revoked");
      } finally {
        await elsewhere.close();
      }
    });

    it("a revocation made here is published for the other processes", async () => {
      const namespace = `covara-rt-revoke:${RUN_PREFIX}${Date.now()}`;
      const { ada } = await fixture(kv!, NEVER_MS, namespace);
      const rows = await open(ada, "/api/users/subscribe");
      await rows.until("snapshot");
      const peer = await openRedisKV("covara-rt-revocation-peer");
      const messages: string[] = [];
      const unsubscribe = await peer.subscribe(`${namespace}:identity-revoked`, (message) => messages.push(message));
      try {
        const sessionId = await sha256Url(ada.cookies.get("covara.sid")!);
        await ada.send("POST", "/api/auth/logout");
        await untilClosed(rows);
        for (let i = 0; i < 50 && messages.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(messages.map((message) => JSON.parse(message).s)).toContain(sessionId);
      } finally {
        await unsubscribe();
        await peer.close();
      }
    });
  });
}
