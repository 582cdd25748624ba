/**
 * The resource-server middleware against a real provider on a loopback port: keys fetched over
 * HTTP (discovery or jwksUri) and cached; cached keys keep serving while the provider is down;
 * with nothing cached a 503 with Retry-After, then retries with backoff; id_tokens, expired,
 * foreign and unsigned tokens refused.
 */
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { generateJwtKey, importJwtKey, signJwt } from "../../src/auth";
import { encodeBase64Url } from "../../src/kernel/web-crypto";
import { errorHandler } from "../../src/kernel/error-handler";
import type { CovaraServer } from "../../src/node";
import { createOIDCResourceMiddleware, type OIDCEnv, type OIDCResourceMiddlewareOptions } from "../../src/oidc";
import { CALLBACK, s256, servedApp, VERIFIER } from "./provider-app";

const KEY_INPUT = await generateJwtKey("ES256", "resource-test");
const KEY = await importJwtKey(KEY_INPUT);

const servers: CovaraServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close().catch(() => {});
});

async function provider(options: Parameters<typeof servedApp>[0] = {}) {
  const served = await servedApp({ keys: [KEY_INPUT], ...options });
  servers.push(served.server);
  return served;
}

/** An API in "another process": only the middleware, and a route that shows what it set. */
function api(options: OIDCResourceMiddlewareOptions) {
  const app = new Hono<OIDCEnv>();
  app.onError(errorHandler);
  app.use("/api/*", createOIDCResourceMiddleware(options));
  app.get("/api/me", (c) => c.json({ user: c.get("user") ?? null, token: c.get("oidcToken") ?? null }));
  return (token?: string) =>
    app.request("/api/me", { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
}

/** Counts the requests the middleware makes, and can play dead. */
function countingFetch() {
  const calls: string[] = [];
  const state = { down: false };
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push(String(input));
    if (state.down) throw new TypeError("fetch failed");
    return fetch(input, init);
  }) as typeof fetch;
  return { calls, state, fetch: fetcher };
}

/** A user's tokens from the served provider: /authorize as alice, then /token, over HTTP. */
async function userTokens(issuer: string): Promise<{ access_token: string; id_token: string }> {
  const query = new URLSearchParams({
    response_type: "code",
    client_id: "spa",
    redirect_uri: CALLBACK,
    scope: "openid profile",
    code_challenge: await s256(VERIFIER),
    code_challenge_method: "S256",
  });
  const authorize = await fetch(`${issuer}/authorize?${query}`, {
    headers: { "x-test-user": "alice" },
    redirect: "manual",
  });
  const code = new URL(authorize.headers.get("location")!).searchParams.get("code")!;
  const response = await fetch(`${issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: CALLBACK,
      client_id: "spa",
      code_verifier: VERIFIER,
    }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; id_token: string };
}

async function clientToken(issuer: string): Promise<string> {
  const response = await fetch(`${issuer}/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${btoa("web:web-secret-0123456789")}`,
    },
    body: "grant_type=client_credentials&scope=profile",
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** An access token signed with the provider's key, with claims of our choosing. */
async function forged(issuer: string, claims: Record<string, unknown>, typ = "at+jwt"): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    {
      iss: issuer,
      aud: issuer,
      sub: "alice",
      client_id: "spa",
      scope: "openid",
      jti: "j1",
      gid: "g1",
      iat: now,
      exp: now + 300,
      ...claims,
    },
    KEY,
    { typ },
  );
}

async function expectInvalid(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
  expect(await response.json()).toMatchObject({ code: "INVALID_TOKEN" });
}

async function expectUnavailable(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(await response.json()).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
}

describe("createOIDCResourceMiddleware", () => {
  it("accepts a valid access token, with keys found through discovery, and sets user and oidcToken", async () => {
    const { issuer } = await provider();
    const counting = countingFetch();
    const call = api({ issuer, fetch: counting.fetch });
    const { access_token } = await userTokens(issuer);
    const response = await call(access_token);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: Record<string, unknown>; token: Record<string, unknown> };
    expect(body.user).toEqual({ id: "alice", clientId: "spa", scope: "openid profile" });
    expect(body.token).toMatchObject({ sub: "alice", client_id: "spa", iss: issuer });
    expect(counting.calls).toEqual([`${issuer}/.well-known/openid-configuration`, `${issuer}/jwks`]);
    // Cached: later requests fetch nothing.
    expect((await call(access_token)).status).toBe(200);
    expect(counting.calls).toHaveLength(2);
  });

  it("marks client_credentials tokens as the client acting for itself", async () => {
    const { issuer } = await provider();
    const response = await api({ issuer, jwksUri: `${issuer}/jwks` })(await clientToken(issuer));
    expect(((await response.json()) as { user: unknown }).user).toEqual({
      id: "web",
      clientId: "web",
      scope: "profile",
      isClient: true,
    });
  });

  it("passes requests without a bearer token through untouched", async () => {
    const { issuer } = await provider();
    const response = await api({ issuer })();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: null, token: null });
  });

  it("keeps using cached keys once the provider is stopped", async () => {
    const { issuer, server } = await provider();
    // Keys go stale at once, so every request after the stop really tries the dead provider.
    const call = api({ issuer, jwks: { cacheTtlSeconds: 0, retries: 0, timeoutMs: 1000 } });
    const { access_token } = await userTokens(issuer);
    expect((await call(access_token)).status).toBe(200);
    await server.close();
    expect((await call(access_token)).status).toBe(200);
    expect((await call(access_token)).status).toBe(200);
  });

  it("answers 503 with Retry-After when the provider is down and no keys are cached (discovery and jwksUri)", async () => {
    const { issuer, server } = await provider();
    const { access_token } = await userTokens(issuer);
    await server.close();
    await expectUnavailable(await api({ issuer, jwks: { retries: 0, timeoutMs: 1000 } })(access_token));
    await expectUnavailable(
      await api({ issuer, jwksUri: `${issuer}/jwks`, jwks: { retries: 1, retryDelayMs: 10, timeoutMs: 1000 } })(
        access_token,
      ),
    );
  });

  it("retries with backoff on later requests and recovers once the keys are reachable", async () => {
    const { issuer } = await provider();
    const { access_token } = await userTokens(issuer);
    for (const options of [{ jwksUri: `${issuer}/jwks` }, {}]) {
      const counting = countingFetch();
      counting.state.down = true;
      const call = api({
        issuer,
        ...options,
        fetch: counting.fetch,
        jwks: { retries: 1, retryDelayMs: 10, cooldownSeconds: 1 },
      });
      await expectUnavailable(await call(access_token));
      const attempts = counting.calls.length;
      expect(attempts).toBeGreaterThanOrEqual(1);
      // Within the backoff, nobody waits on the dead endpoint: no new attempt is made.
      await expectUnavailable(await call(access_token));
      expect(counting.calls).toHaveLength(attempts);
      counting.state.down = false;
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await call(access_token)).status).toBe(200);
    }
  });

  it("an unknown kid refetches the keys once per cooldown, and picks up a rotated key", async () => {
    const { issuer, provider: served } = await provider();
    const counting = countingFetch();
    const call = api({ issuer, jwksUri: `${issuer}/jwks`, fetch: counting.fetch, jwks: { cooldownSeconds: 1 } });
    const { access_token } = await userTokens(issuer);
    expect((await call(access_token)).status).toBe(200);
    expect(counting.calls).toHaveLength(1);
    const stranger = await importJwtKey(await generateJwtKey("ES256", "stranger"));
    const now = Math.floor(Date.now() / 1000);
    const foreign = await signJwt(
      { iss: issuer, aud: issuer, sub: "alice", client_id: "spa", jti: "x", iat: now, exp: now + 60 },
      stranger,
      { typ: "at+jwt" },
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expectInvalid(await call(foreign));
    expect(counting.calls).toHaveLength(2);
    // A flood of unknown kids does not turn into a flood of fetches.
    for (let i = 0; i < 5; i++) await expectInvalid(await call(foreign));
    expect(counting.calls).toHaveLength(2);

    await served.rotateKeys();
    const rotated = await userTokens(issuer);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await call(rotated.access_token)).status).toBe(200);
    expect(counting.calls).toHaveLength(3);
  });

  it("refuses id_tokens, expired, foreign-issuer, wrong-audience, wrong-typ and unsigned tokens with one 401", async () => {
    const { issuer } = await provider();
    const call = api({ issuer, clockSkewSeconds: 0 });
    const { id_token } = await userTokens(issuer);
    // The hand-made token is good as it is; each refusal below changes one thing.
    expect((await call(await forged(issuer, {}))).status).toBe(200);
    await expectInvalid(await call(id_token));
    const now = Math.floor(Date.now() / 1000);
    await expectInvalid(await call(await forged(issuer, { iat: now - 120, exp: now - 60 })));
    await expectInvalid(await call(await forged(issuer, { iss: "https://evil.example.com" })));
    await expectInvalid(await call(await forged(issuer, { aud: "another-api" })));
    await expectInvalid(await call(await forged(issuer, {}, "JWT")));
    await expectInvalid(await call(await forged(issuer, { client_id: undefined })));
    const header = encodeBase64Url(
      new TextEncoder().encode(JSON.stringify({ alg: "none", typ: "at+jwt", kid: "resource-test" })),
    );
    const payload = (await forged(issuer, {})).split(".")[1];
    await expectInvalid(await call(`${header}.${payload}.`));
    await expectInvalid(await call("not-a-jwt"));
  });

  it("checks the configured audience", async () => {
    const { issuer } = await provider({ accessTokenAudience: "https://api.example.com" });
    const { access_token } = await userTokens(issuer);
    expect((await api({ issuer, audience: "https://api.example.com" })(access_token)).status).toBe(200);
    await expectInvalid(await api({ issuer })(access_token));
  });

  it("lets resolveUser map or refuse the claims", async () => {
    const { issuer } = await provider();
    const { access_token } = await userTokens(issuer);
    const mapped = await api({ issuer, resolveUser: (claims) => ({ id: `user-${claims.sub}` }) })(access_token);
    expect(((await mapped.json()) as { user: unknown }).user).toEqual({ id: "user-alice" });
    await expectInvalid(await api({ issuer, resolveUser: () => null })(access_token));
  });

  it("refuses a bad configuration at construction", () => {
    expect(() => createOIDCResourceMiddleware({ issuer: "not a url" })).toThrow(TypeError);
    expect(() => createOIDCResourceMiddleware({ issuer: "https://id.example.com", jwksUri: "/jwks" })).toThrow(
      TypeError,
    );
    expect(() => createOIDCResourceMiddleware({ issuer: "https://id.example.com", algorithms: ["HS256"] })).toThrow(
      TypeError,
    );
  });
});
