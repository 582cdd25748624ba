/**
 * Persistent stores by default: with a global KV registered (and no `kv` option) every store of
 * the provider lives in it with expiry-derived TTLs, and a second instance over the same KV takes
 * over; `stores.type: "memory"` keeps everything in the process. Runs on the real Redis at
 * REDIS_URL (skipped with the reason when unreachable); the global KV is reset after each test.
 */
import type { Hono } from "hono";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { generateJwtKey } from "../../src/auth";
import { setGlobalKV } from "../../src/kernel/global-kv";
import type { KV } from "../../src/kernel/kv";
import { createMemoryKV } from "../../src/kv";
import { closeTestRedis, openTestRedis } from "../helpers/test-redis";
import type { OIDCEnv, OIDCProviderOptions } from "../../src/oidc";
import { basic, CALLBACK, localApp, postForm, USERS } from "./provider-app";
import { cookiesOf, registerClient } from "./registered-client-flow";

const KEYS = [await generateJwtKey("ES256", "stores-test")];
const PASSWORD = "correct horse battery staple";

const LIFETIMES = { code: 120, refresh: 7200, session: 3600, interaction: 300, consent: 86_400, client: 1800 };

const redis = await openTestRedis("oidc-stores");

afterEach(() => setGlobalKV(undefined));
afterAll(async () => {
  setGlobalKV(undefined);
  await closeTestRedis(redis);
});

let run = 0;
function providerOptions(
  extra: Partial<OIDCProviderOptions> = {},
): Partial<OIDCProviderOptions> & { kvPrefix: string } {
  return {
    keys: KEYS,
    kvPrefix: `stores${++run}:`,
    registration: { enabled: true, clientTtlSeconds: LIFETIMES.client },
    backends: {
      emailPassword: {
        validateUser: (email, password) =>
          email === "alice@example.com" && password === PASSWORD ? USERS.alice! : null,
      },
    },
    tokens: { authorizationCode: { ttlSeconds: LIFETIMES.code }, refreshToken: { ttlSeconds: LIFETIMES.refresh } },
    session: { ttlSeconds: LIFETIMES.session },
    interactions: { ttlSeconds: LIFETIMES.interaction },
    security: { consent: { ttlSeconds: LIFETIMES.consent } },
    ...extra,
  };
}

const pathOf = (location: string) => new URL(location).pathname + new URL(location).search;
const formHeaders = (cookie: string, location: string) => ({
  cookie,
  "content-type": "application/x-www-form-urlencoded",
  origin: new URL(location).origin,
});

/**
 * The browser's whole journey on the provider's own pages: /authorize → login page → consent page
 * → code. `atInteraction` runs while the interaction is pending (its record is deleted at the end).
 */
async function signInAndConsent(
  app: Hono<OIDCEnv>,
  clientId: string,
  atInteraction: () => Promise<void>,
): Promise<string> {
  const query = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: CALLBACK,
    scope: "openid email",
    state: "st",
  });
  const authorize = await app.request(`/oidc/authorize?${query}`);
  expect(authorize.status).toBe(302);
  const loginUrl = authorize.headers.get("location")!;
  let cookie = cookiesOf(authorize);
  await atInteraction();
  const loginPage = await app.request(pathOf(loginUrl), { headers: { cookie } });
  const loginCsrf = /name="csrf" value="([^"]+)"/.exec(await loginPage.text())![1]!;
  const login = await app.request(`${pathOf(loginUrl)}/login`, {
    method: "POST",
    headers: formHeaders(cookie, loginUrl),
    body: new URLSearchParams({ csrf: loginCsrf, email: "alice@example.com", password: PASSWORD }).toString(),
  });
  expect(login.status).toBe(303);
  cookie = cookiesOf(login, cookie);
  const consentUrl = login.headers.get("location")!;
  expect(consentUrl).toContain("/consent");
  const consentPage = await app.request(pathOf(consentUrl), { headers: { cookie } });
  const consentCsrf = /name="csrf" value="([^"]+)"/.exec(await consentPage.text())![1]!;
  const consent = await app.request(pathOf(consentUrl), {
    method: "POST",
    headers: formHeaders(cookie, consentUrl),
    body: new URLSearchParams({ csrf: consentCsrf, decision: "allow" }).toString(),
  });
  const code = new URL(consent.headers.get("location")!).searchParams.get("code");
  expect(code).toBeTruthy();
  return code!;
}

/** The KV keys under `prefix`, grouped by record kind (the segment after the prefix). */
async function keysByKind(kv: KV, prefix: string): Promise<Map<string, string[]>> {
  const kinds = new Map<string, string[]>();
  for (const key of await kv.keys(prefix)) {
    const kind = key.slice(prefix.length).split(":")[0]!;
    kinds.set(kind, [...(kinds.get(kind) ?? []), key]);
  }
  return kinds;
}

async function expectTtlWithin(kv: KV, keys: string[] | undefined, seconds: number): Promise<void> {
  expect(keys?.length, `no keys for a ${seconds}s lifetime`).toBeGreaterThan(0);
  for (const key of keys!) {
    const ttl = await kv.ttl(key);
    expect(ttl, key).not.toBeNull();
    expect(ttl!, key).toBeGreaterThan(0);
    expect(ttl!, key).toBeLessThanOrEqual(seconds * 1000);
  }
}

describe.runIf(typeof redis !== "string")(
  'Persistent stores by default: clients, codes, refresh tokens, consents, interactions, and state are KV-backed (with expiry-derived TTLs) whenever a global KV is registered; stores.type: "memory" forces in-memory (real Redis)',
  () => {
    const kv = redis as KV;

    it("clients, interactions, sessions, consents, codes and refresh tokens land in the global KV with expiry-derived TTLs", async () => {
      setGlobalKV(kv);
      const options = providerOptions();
      const prefix = options.kvPrefix;
      const { app } = localApp(options);
      const client = await registerClient(app, {
        redirect_uris: [CALLBACK],
        grant_types: ["authorization_code", "refresh_token"],
      });
      await expectTtlWithin(kv, (await keysByKind(kv, prefix)).get("client"), LIFETIMES.client);

      const code = await signInAndConsent(app, client.client_id, async () => {
        await expectTtlWithin(kv, (await keysByKind(kv, prefix)).get("interaction"), LIFETIMES.interaction);
      });
      const beforeRedemption = await keysByKind(kv, prefix);
      await expectTtlWithin(kv, beforeRedemption.get("code"), LIFETIMES.code);
      await expectTtlWithin(kv, beforeRedemption.get("session"), LIFETIMES.session);
      await expectTtlWithin(kv, beforeRedemption.get("consent"), LIFETIMES.consent);
      // The interaction is over, so its record is gone.
      expect(beforeRedemption.get("interaction")).toBeUndefined();

      const tokens = await postForm(
        app,
        "/token",
        { grant_type: "authorization_code", code, redirect_uri: CALLBACK },
        basic(client.client_id, client.client_secret!),
      );
      expect(tokens.status).toBe(200);
      await expectTtlWithin(kv, (await keysByKind(kv, prefix)).get("rt"), LIFETIMES.refresh);
    });

    it("a second provider instance over the same KV redeems a code the first issued, for a client the first registered", async () => {
      setGlobalKV(kv);
      const options = providerOptions();
      const first = localApp(options);
      const second = localApp(options);
      const client = await registerClient(first.app, {
        redirect_uris: [CALLBACK],
        grant_types: ["authorization_code", "refresh_token"],
      });
      const code = await signInAndConsent(first.app, client.client_id, async () => {});
      const redeemed = await postForm(
        second.app,
        "/token",
        { grant_type: "authorization_code", code, redirect_uri: CALLBACK },
        basic(client.client_id, client.client_secret!),
      );
      expect(redeemed.status).toBe(200);
      const { refresh_token } = (await redeemed.json()) as { refresh_token: string };
      // And the first sees the refresh token the second issued; the code is spent for both.
      expect(
        (
          await postForm(
            first.app,
            "/token",
            { grant_type: "refresh_token", refresh_token },
            basic(client.client_id, client.client_secret!),
          )
        ).status,
      ).toBe(200);
      expect(
        (
          await postForm(
            first.app,
            "/token",
            { grant_type: "authorization_code", code, redirect_uri: CALLBACK },
            basic(client.client_id, client.client_secret!),
          )
        ).status,
      ).toBe(400);
    });

    it('stores.type "memory" keeps everything out of the global KV', async () => {
      setGlobalKV(kv);
      const options = providerOptions({ stores: { type: "memory" } });
      const { app } = localApp(options);
      const client = await registerClient(app, {
        redirect_uris: [CALLBACK],
        grant_types: ["authorization_code", "refresh_token"],
      });
      const code = await signInAndConsent(app, client.client_id, async () => {});
      expect(
        (
          await postForm(
            app,
            "/token",
            { grant_type: "authorization_code", code, redirect_uri: CALLBACK },
            basic(client.client_id, client.client_secret!),
          )
        ).status,
      ).toBe(200);
      expect(await kv.keys(options.kvPrefix)).toEqual([]);
      // A second instance shares nothing: the client it never saw does not exist there.
      const other = localApp(providerOptions({ stores: { type: "memory" }, kvPrefix: options.kvPrefix }));
      expect(
        (
          await postForm(
            other.app,
            "/token",
            { grant_type: "client_credentials" },
            basic(client.client_id, client.client_secret!),
          )
        ).status,
      ).toBe(401);
    });

    it('stores.type "memory" wins over an explicit kv too', async () => {
      const options = providerOptions({ stores: { type: "memory" }, kv });
      const { app } = localApp(options);
      await registerClient(app, { redirect_uris: [CALLBACK] });
      expect(await kv.keys(options.kvPrefix)).toEqual([]);
    });

    it("an explicit kv wins over the global KV", async () => {
      setGlobalKV(kv);
      const explicit = createMemoryKV();
      const options = providerOptions({ kv: explicit });
      const { app } = localApp(options);
      await registerClient(app, { redirect_uris: [CALLBACK] });
      expect(await kv.keys(options.kvPrefix)).toEqual([]);
      expect((await explicit.keys(options.kvPrefix)).length).toBe(1);
      await explicit.close();
    });
  },
);

describe("store selection without Redis", () => {
  it("falls back to memory without kv or a global KV", async () => {
    const { app } = localApp(providerOptions());
    expect(
      (
        await app.request("/oidc/register", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ redirect_uris: [CALLBACK] }),
        })
      ).status,
    ).toBe(201);
  });

  it('refuses stores.type "kv" with no KV to use, and an unknown stores.type', () => {
    expect(() => localApp(providerOptions({ stores: { type: "kv" } }))).toThrow(/stores.type "kv" needs/);
    expect(() => localApp(providerOptions({ stores: { type: "redis" as "kv" } }))).toThrow(TypeError);
  });

  it('accepts stores.type "kv" once a global KV is registered', async () => {
    const global = createMemoryKV();
    setGlobalKV(global);
    const options = providerOptions({ stores: { type: "kv" } });
    const { app } = localApp(options);
    await registerClient(app, { redirect_uris: [CALLBACK] });
    expect((await global.keys(options.kvPrefix)).length).toBe(1);
    await global.close();
  });
});
