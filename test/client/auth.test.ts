/**
 * Client auth strategies against real servers: JWT (login, transparent refresh of an expired
 * access token, logout, token storage), bearer, API key, auto-detection, and OIDC code + PKCE
 * through covara/oidc's own login page (driven over HTTP here; the browser test clicks it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bearerAuth,
  apiKeyAuth,
  createClient,
  initJWTClient,
  JWTClient,
  memoryTokenStorage,
  OIDCClient,
  resolveAuth,
  type TokenStorage,
} from "../../src/client";
import { PASSWORD, startClientTestServer, type ClientTestServer } from "./fixtures/server";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(25);
  }
}

describe("JWT", () => {
  let server: ClientTestServer;
  beforeAll(async () => {
    server = await startClientTestServer({ accessTtlSeconds: 1 });
  });
  afterAll(async () => server?.close());

  it("logs in, keeps the token in its TokenStorage, and refreshes an expired access token transparently (once)", async () => {
    const storage = memoryTokenStorage();
    const jwt = new JWTClient({ baseUrl: server.url, storage });
    const client = createClient({ baseUrl: server.url, auth: jwt });
    await expect(client.resource("/api/notes").list()).rejects.toMatchObject({ status: 401 });
    const user = await jwt.login("ada@example.com", PASSWORD);
    expect(user).toMatchObject({ email: "ada@example.com" });
    expect(jwt.state.get()).toMatchObject({ status: "authenticated" });
    expect(await storage.getItem("covara.jwt.access")).toEqual(expect.any(String));
    const notes = client.resource<{ id: string; title: string }>("/api/notes");
    await notes.create({ id: "n1", title: "first" });
    const before = await storage.getItem("covara.jwt.access");

    await sleep(2100); // the 1-second access token is now expired
    expect((await notes.list()).items.map((n) => n.id)).toEqual(["n1"]);
    const after = await storage.getItem("covara.jwt.access");
    expect(after).not.toBe(before);

    // A second client over the same storage (a reload) picks the session up.
    const reloaded = new JWTClient({ baseUrl: server.url, storage });
    await reloaded.init();
    expect(reloaded.state.get()).toMatchObject({ status: "authenticated", user: { email: "ada@example.com" } });

    await jwt.logout();
    expect(jwt.state.get()).toEqual({ status: "anonymous", user: null });
    expect(await storage.getItem("covara.jwt.access")).toBeNull();
    await expect(notes.list()).rejects.toMatchObject({ status: 401, code: "UNAUTHORIZED" });
  });

  it("a refused refresh ends the session: onSessionExpired fires and the 401 surfaces as a typed error", async () => {
    let expired = 0;
    const jwt = new JWTClient({
      baseUrl: server.url,
      storage: memoryTokenStorage(),
      onSessionExpired: () => expired++,
    });
    const client = createClient({ baseUrl: server.url, auth: jwt });
    await jwt.login("ada@example.com", PASSWORD);
    await jwt.logout(); // revokes the refresh family
    await (jwt as unknown as { storage: TokenStorage }).storage.setItem("covara.jwt.access", "forged.token.value");
    await expect(client.resource("/api/notes").list()).rejects.toMatchObject({ status: 401 });
    expect(expired).toBe(1);
  });

  it('Session Expired: "Client should redirect to login", "Refresh token may still be valid" — the client refreshes once, and only a refused refresh calls the redirect hook', async () => {
    let redirects = 0;
    const storage = memoryTokenStorage();
    const jwt = new JWTClient({ baseUrl: server.url, storage, onSessionExpired: () => redirects++ });
    const client = createClient({ baseUrl: server.url, auth: jwt });
    await jwt.login("ada@example.com", PASSWORD);
    await sleep(2100); // access token expired, refresh token still valid
    await client.resource("/api/notes").list();
    expect(redirects).toBe(0);
    await storage.setItem("covara.jwt.refresh", "revoked-or-forged");
    await sleep(2100);
    await expect(client.resource("/api/notes").list()).rejects.toMatchObject({ status: 401 });
    expect(redirects).toBe(1);
    expect(jwt.state.get().status).toBe("anonymous");
  });

  it('Invalid Token: "No retry (client must re-authenticate)" — one refresh attempt, one retry, then the 401 stands', async () => {
    const seen: string[] = [];
    // Counts what goes over the wire; every request still reaches the real server.
    const countingFetch = (input: string, init?: RequestInit) => {
      seen.push(`${init?.method ?? "GET"} ${new URL(input).pathname}`);
      return fetch(input, init);
    };
    const jwt = new JWTClient({ baseUrl: server.url, storage: memoryTokenStorage(), fetch: countingFetch });
    const client = createClient({ baseUrl: server.url, auth: jwt, fetch: countingFetch });
    await (jwt as unknown as { storage: TokenStorage }).storage.setItem("covara.jwt.access", "not.a.token");
    await expect(client.resource("/api/notes").list()).rejects.toMatchObject({ status: 401 });
    expect(seen).toEqual(["GET /api/notes", "POST /api/auth/refresh"]);
  });

  it("a subscription the server revokes when the access token expires resumes after one refresh, with Last-Event-ID", async () => {
    const jwt = new JWTClient({ baseUrl: server.url, storage: memoryTokenStorage() });
    const client = createClient({ baseUrl: server.url, auth: jwt });
    await jwt.login("ada@example.com", PASSWORD);
    const notes = client.resource<{ id: string; title: string }>("/api/notes");
    const added: string[] = [];
    const errors: unknown[] = [];
    const connected: { seq: number; resumedFrom?: number }[] = [];
    const sub = notes.subscribe(
      {},
      {
        onAdded: (n) => added.push(n.id),
        onError: (e) => errors.push(e),
        onConnected: (seq, info) => connected.push({ seq, ...info }),
      },
    );
    await until(() => connected.length === 1);
    await sleep(2100); // the stream's bearer token expires; the next re-check revokes the stream
    await until(() => connected.length >= 2, 8000);
    expect(connected.at(-1)!.resumedFrom).toEqual(expect.any(Number));
    await notes.create({ id: "after-refresh", title: "t" });
    await until(() => added.includes("after-refresh"));
    expect(errors).toEqual([]);
    sub.close();
  });

  it("a subscription revoked by logout ends with a typed 401 and the session-expired hook (no resume with dead credentials)", async () => {
    let expired = 0;
    const jwt = new JWTClient({
      baseUrl: server.url,
      storage: memoryTokenStorage(),
      onSessionExpired: () => expired++,
    });
    const client = createClient({ baseUrl: server.url, auth: jwt });
    await jwt.login("ada@example.com", PASSWORD);
    const token = await jwt.getAccessToken();
    const errors: { status: number; code: string }[] = [];
    const sub = client.resource("/api/notes").subscribe({}, { onError: (e) => errors.push(e) });
    await until(() => sub.status === "open");
    // Another client of the same session signs out: the refresh family is revoked server-side.
    const other = new JWTClient({ baseUrl: server.url, storage: memoryTokenStorage() });
    await (other as unknown as { storage: TokenStorage }).storage.setItem("covara.jwt.access", token!);
    await other.logout();
    await until(() => sub.status === "closed", 8000);
    expect(errors.map((e) => [e.status, e.code])).toEqual([[401, "UNAUTHORIZED"]]);
    expect(expired).toBe(1);
  });

  it("wrong credentials are a typed 401 INVALID_CREDENTIALS", async () => {
    const jwt = new JWTClient({ baseUrl: server.url, storage: memoryTokenStorage() });
    await expect(jwt.login("ada@example.com", "wrong")).rejects.toMatchObject({
      status: 401,
      code: "INVALID_CREDENTIALS",
    });
  });

  it("bearer and API-key strategies set their headers; auth is auto-detected from the options", async () => {
    const jwt = new JWTClient({ baseUrl: server.url, storage: memoryTokenStorage() });
    await jwt.login("ada@example.com", PASSWORD);
    const token = await jwt.getAccessToken();
    const bearer = createClient({ baseUrl: server.url, auth: { token: () => token } });
    expect(bearer.auth.kind).toBe("bearer");
    expect((await bearer.resource("/api/notes").list()).items).toEqual(expect.any(Array));
    expect(createClient({ baseUrl: server.url, auth: bearerAuth("x") }).auth.kind).toBe("bearer");

    const headers = new Headers();
    await apiKeyAuth("cvk_abc.def").authorize(headers);
    expect(headers.get("x-api-key")).toBe("cvk_abc.def");
    expect(resolveAuth({ apiKey: "k", header: "x-key" }, "").kind).toBe("apiKey");
    expect(resolveAuth({ issuer: "https://id.example", clientId: "spa", redirectUri: "https://app/cb" }, "").kind).toBe(
      "oidc",
    );
    expect(resolveAuth(undefined, "").kind).toBe("cookie");
    const made = initJWTClient({ baseUrl: server.url, storage: memoryTokenStorage() });
    expect(resolveAuth(undefined, "")).toBe(made);
    expect(resolveAuth("jwt", "")).toBe(made);
  });
});

/** Follows one redirect chain by hand, carrying cookies, until `stop(url)` says so. */
async function browse(
  start: string,
  cookies: Map<string, string>,
  init: RequestInit = {},
  stop: (url: string) => boolean,
): Promise<{ url: string; res?: Response }> {
  let url = start;
  let request = init;
  for (let hop = 0; hop < 10; hop++) {
    if (stop(url)) return { url };
    const headers = new Headers(request.headers);
    if (cookies.size) headers.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(url, { ...request, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const location = res.headers.get("location");
    if (!location) return { url, res };
    url = new URL(location, url).toString();
    request = {};
  }
  throw new Error("too many redirects");
}

describe("OIDC code + PKCE against covara/oidc", () => {
  let server: ClientTestServer;
  beforeAll(async () => {
    server = await startClientTestServer({ oidc: { accessTtlSeconds: 1 } });
  });
  afterAll(async () => server?.close());

  it("logs in through the provider's login page, checks state and nonce, refreshes on 401, and logs out", async () => {
    let navigatedTo = "";
    const storage = memoryTokenStorage();
    const oidc = new OIDCClient({
      issuer: `${server.url}/oidc`,
      clientId: "spa",
      redirectUri: `${server.url}/callback`,
      postLogoutRedirectUri: `${server.url}/`,
      storage,
      navigate: (url) => (navigatedTo = url),
    });
    const client = createClient({ baseUrl: server.url, auth: oidc });
    const authorizeUrl = await oidc.login();
    expect(navigatedTo).toBe(authorizeUrl);
    const params = new URL(authorizeUrl).searchParams;
    expect(params.get("code_challenge_method")).toBe("S256");
    expect(params.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const cookies = new Map<string, string>();
    const isCallback = (url: string) => url.startsWith(`${server.url}/callback`);
    const page = await browse(authorizeUrl, cookies, {}, isCallback);
    const html = await page.res!.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const action = new URL(
      /<form method="post" action="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, "&"),
      page.url,
    ).toString();
    const done = await browse(
      action,
      cookies,
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf, email: "ada@example.com", password: PASSWORD }).toString(),
      },
      isCallback,
    );
    expect(oidc.isCallback(done.url)).toBe(true);

    // A callback whose state was tampered with is refused (and burns the pending login).
    const forged = new URL(done.url);
    forged.searchParams.set("state", "forged");
    const user = await oidc.handleCallback(done.url);
    expect(user).toMatchObject({ sub: expect.any(String), email: "ada@example.com" });
    expect(oidc.state.get().status).toBe("authenticated");
    await expect(oidc.handleCallback(forged.toString())).rejects.toMatchObject({ code: "INVALID_STATE" });

    const me = await client.transport.request<{ user: { id: string } }>("GET", "/api/oidc/me");
    expect(me.data.user).toMatchObject({ id: expect.any(String) });
    const firstToken = await oidc.getAccessToken();
    await sleep(2100);
    const again = await client.transport.request<{ user: { id: string } }>("GET", "/api/oidc/me");
    expect(again.data.user).toMatchObject({ id: me.data.user.id });
    expect(await oidc.getAccessToken()).not.toBe(firstToken);

    await oidc.logout();
    expect(navigatedTo).toContain("/oidc/logout");
    expect(new URL(navigatedTo).searchParams.get("id_token_hint")).toEqual(expect.any(String));
    expect(oidc.state.get()).toEqual({ status: "anonymous", user: null });
  });
});
