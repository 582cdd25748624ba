/**
 * Endpoint rate limiting: /token, /jwks and /introspect per client and IP when
 * security.rateLimiting is set, counted in the provider's KV: memory, and the real Redis at
 * REDIS_URL (skipped with the reason when unreachable), including through the global KV.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { generateJwtKey } from "../../src/auth";
import { setGlobalKV } from "../../src/kernel/global-kv";
import type { KV } from "../../src/kernel/kv";
import { createMemoryKV } from "../../src/kv";
import { closeTestRedis, openTestRedis } from "../helpers/test-redis";
import type { OIDCProviderOptions } from "../../src/oidc";
import { assertRateLimiting } from "../../src/oidc/rate-limit";
import type { RateLimitingOptions } from "../../src/oidc/types";
import { basic, CALLBACK, localApp, postForm, s256, VERIFIER, authorizeCode } from "./provider-app";

const KEYS = [await generateJwtKey("ES256", "rate-test")];
const WEB = basic("web", "web-secret-0123456789");

const redis = await openTestRedis("oidc-rate");
const memory = createMemoryKV();

afterEach(() => setGlobalKV(undefined));
afterAll(async () => {
  await memory.close();
  await closeTestRedis(redis);
});

let run = 0;
/** An app whose client address is the `x-test-ip` header, with its own KV prefix. */
function limitedApp(
  kv: KV | undefined,
  rateLimiting: RateLimitingOptions | undefined,
  extra: Partial<OIDCProviderOptions> = {},
) {
  const kvPrefix = `rl${++run}:`;
  const built = localApp({
    keys: KEYS,
    ...(kv ? { kv } : {}),
    kvPrefix,
    security: { rateLimiting, clientIp: { peerAddress: (c) => c.req.header("x-test-ip") ?? "203.0.113.1" } },
    ...extra,
  });
  return { ...built, kvPrefix };
}

const ip = (n: number) => ({ "x-test-ip": `198.51.100.${n}` });
const clientCredentials = { grant_type: "client_credentials" };

async function expectLimited(response: Response): Promise<void> {
  expect(response.status).toBe(429);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(await response.json()).toMatchObject({ code: "RATE_LIMIT_EXCEEDED", status: 429, error: "rate_limited" });
}

describe.each([
  ["memory", memory as KV | undefined],
  ["redis", typeof redis === "string" ? undefined : redis],
])(
  "Endpoint rate limiting: /token, /jwks, /introspect rate-limited per client/IP when security.rateLimiting is configured — on the %s KV",
  (_name, kv) => {
    const test = kv ? it : it.skip;

    test("/jwks is limited per IP", async () => {
      const { app } = limitedApp(kv!, { jwks: { max: 2, windowSeconds: 60 } });
      for (let i = 0; i < 2; i++) expect((await app.request("/oidc/jwks", { headers: ip(1) })).status).toBe(200);
      await expectLimited(await app.request("/oidc/jwks", { headers: ip(1) }));
      // Another address has its own budget.
      expect((await app.request("/oidc/jwks", { headers: ip(2) })).status).toBe(200);
    });

    test("POST /register is limited per IP when registration is open", async () => {
      const { app } = limitedApp(kv!, { register: { max: 1, windowSeconds: 60 } }, { registration: { enabled: true } });
      const register = (n: number) =>
        app.request("/oidc/register", {
          method: "POST",
          headers: { "content-type": "application/json", ...ip(n) },
          body: JSON.stringify({ redirect_uris: ["https://rp.example.com/cb"], token_endpoint_auth_method: "none" }),
        });
      expect((await register(1)).status).toBe(201);
      await expectLimited(await register(1));
      expect((await register(2)).status).toBe(201);
    });

    test("/token is limited per client, across addresses (client from the Basic header)", async () => {
      const { app } = limitedApp(kv!, { token: { max: 2, windowSeconds: 60 } });
      expect((await postForm(app, "/token", clientCredentials, { ...WEB, ...ip(1) })).status).toBe(200);
      expect((await postForm(app, "/token", clientCredentials, { ...WEB, ...ip(2) })).status).toBe(200);
      await expectLimited(await postForm(app, "/token", clientCredentials, { ...WEB, ...ip(3) }));
      // Another client from a fresh address is not affected.
      const other = await postForm(
        app,
        "/token",
        {
          grant_type: "authorization_code",
          code: "x",
          redirect_uri: CALLBACK,
          client_id: "post",
          client_secret: "post-secret-0123456789",
        },
        ip(4),
      );
      expect(other.status).toBe(400);
    });

    test("/token is limited per IP, across client ids", async () => {
      const { app } = limitedApp(kv!, { token: { max: 2, windowSeconds: 60 } });
      expect((await postForm(app, "/token", clientCredentials, { ...basic("a", "x"), ...ip(1) })).status).toBe(401);
      expect((await postForm(app, "/token", clientCredentials, { ...basic("b", "x"), ...ip(1) })).status).toBe(401);
      await expectLimited(await postForm(app, "/token", clientCredentials, { ...basic("c", "x"), ...ip(1) }));
    });

    test("failed authentications count too (the count comes before client authentication)", async () => {
      const { app } = limitedApp(kv!, { token: { max: 2, windowSeconds: 60 } });
      const wrong = basic("web", "not-the-secret");
      expect((await postForm(app, "/token", clientCredentials, { ...wrong, ...ip(1) })).status).toBe(401);
      expect((await postForm(app, "/token", clientCredentials, { ...wrong, ...ip(2) })).status).toBe(401);
      await expectLimited(await postForm(app, "/token", clientCredentials, { ...WEB, ...ip(3) }));
    });

    test("a form client_id is counted without consuming the body the token endpoint reads", async () => {
      const { app } = limitedApp(kv!, { token: { max: 2, windowSeconds: 60 } });
      const code = await authorizeCode(app, {
        client_id: "spa",
        code_challenge: await s256(VERIFIER),
        code_challenge_method: "S256",
      });
      const form = {
        grant_type: "authorization_code",
        code,
        redirect_uri: CALLBACK,
        client_id: "spa",
        code_verifier: VERIFIER,
      };
      expect((await postForm(app, "/token", form, ip(1))).status).toBe(200);
      // The second use is the replay refusal: the body was read in full both times.
      const replay = await postForm(app, "/token", form, ip(2));
      expect(replay.status).toBe(400);
      expect(await replay.json()).toMatchObject({ error: "invalid_grant" });
      await expectLimited(await postForm(app, "/token", form, ip(3)));
    });

    test("requests naming no client share the anonymous bucket", async () => {
      const { app } = limitedApp(kv!, { token: { max: 1, windowSeconds: 60 } });
      expect((await postForm(app, "/token", clientCredentials, ip(1))).status).toBe(401);
      await expectLimited(await postForm(app, "/token", clientCredentials, ip(2)));
    });

    test("/introspect is limited per client and IP", async () => {
      const { app } = limitedApp(kv!, { introspect: { max: 2, windowSeconds: 60 } });
      for (let i = 0; i < 2; i++) {
        const response = await postForm(app, "/introspect", { token: "nope" }, { ...WEB, ...ip(10 + i) });
        expect(await response.json()).toEqual({ active: false });
      }
      await expectLimited(await postForm(app, "/introspect", { token: "nope" }, { ...WEB, ...ip(20) }));
      // /token has no limit configured, so it is not counted at all.
      for (let i = 0; i < 3; i++)
        expect((await postForm(app, "/token", clientCredentials, { ...WEB, ...ip(20) })).status).toBe(200);
    });

    test("the window ends: the limit lifts after windowSeconds", async () => {
      const { app } = limitedApp(kv!, { jwks: { max: 1, windowSeconds: 1 } });
      expect((await app.request("/oidc/jwks", { headers: ip(1) })).status).toBe(200);
      await expectLimited(await app.request("/oidc/jwks", { headers: ip(1) }));
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await app.request("/oidc/jwks", { headers: ip(1) })).status).toBe(200);
    });

    test("two provider instances sharing one KV share the limit", async () => {
      const rateLimiting = { token: { max: 2, windowSeconds: 60 } };
      const first = localApp({ keys: KEYS, kv: kv!, kvPrefix: `shared${++run}:`, security: { rateLimiting } });
      const second = localApp({ keys: KEYS, kv: kv!, kvPrefix: `shared${run}:`, security: { rateLimiting } });
      expect((await postForm(first.app, "/token", clientCredentials, WEB)).status).toBe(200);
      expect((await postForm(second.app, "/token", clientCredentials, WEB)).status).toBe(200);
      await expectLimited(await postForm(first.app, "/token", clientCredentials, WEB));
      await expectLimited(await postForm(second.app, "/token", clientCredentials, WEB));
    });
  },
);

describe("Endpoint rate limiting: /token, /jwks, /introspect rate-limited per client/IP when security.rateLimiting is configured (KV-backed when a global KV exists)", () => {
  it("counts nothing without security.rateLimiting", async () => {
    const kv = createMemoryKV();
    const { app, kvPrefix } = limitedApp(kv, undefined);
    for (let i = 0; i < 5; i++) {
      expect((await app.request("/oidc/jwks", { headers: ip(1) })).status).toBe(200);
      expect((await postForm(app, "/token", clientCredentials, { ...WEB, ...ip(1) })).status).toBe(200);
      expect((await postForm(app, "/introspect", { token: "x" }, { ...WEB, ...ip(1) })).status).toBe(200);
    }
    expect(await kv.keys(`${kvPrefix}rate:`)).toEqual([]);
    await kv.close();
  });

  it("counts nothing for an endpoint set to false", async () => {
    const kv = createMemoryKV();
    const { app, kvPrefix } = limitedApp(kv, { jwks: false, token: { max: 100, windowSeconds: 60 } });
    expect((await app.request("/oidc/jwks")).status).toBe(200);
    expect(await kv.keys(`${kvPrefix}rate:jwks`)).toEqual([]);
    await kv.close();
  });

  it("refuses a malformed limit", () => {
    expect(() => assertRateLimiting({ token: { max: 0, windowSeconds: 60 } })).toThrow(TypeError);
    expect(() => assertRateLimiting({ jwks: { max: 1.5, windowSeconds: 60 } })).toThrow(TypeError);
    expect(() => assertRateLimiting({ introspect: { max: 5, windowSeconds: 0 } })).toThrow(TypeError);
    expect(() => assertRateLimiting({ token: { max: 5, windowSeconds: 60 }, jwks: false })).not.toThrow();
  });
});

describe.runIf(typeof redis !== "string")("rate limits through the global KV", () => {
  it("counts in the registered global KV when no kv option is given", async () => {
    const kv = redis as KV;
    setGlobalKV(kv);
    const { app, kvPrefix } = limitedApp(undefined, { jwks: { max: 1, windowSeconds: 60 } });
    expect((await app.request("/oidc/jwks", { headers: ip(7) })).status).toBe(200);
    await expectLimited(await app.request("/oidc/jwks", { headers: ip(7) }));
    const counters = await kv.keys(`${kvPrefix}rate:`);
    expect(counters).toEqual([`${kvPrefix}rate:jwks:ip:198.51.100.7`]);
    const ttl = await kv.ttl(counters[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});
