/**
 * Federated login, end to end over real HTTP: the upstream is a second covara provider (or, for
 * the attack cases, a hand-written one), the downstream is the provider under test, and a small
 * cookie jar plays the browser hop by hop.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { KV } from "../../src/kernel/kv";
import { startServer, type CovaraServer } from "../../src/node";
import { oidcProviders, type FederatedProviderConfig, type OIDCProviderOptions, type OIDCUser } from "../../src/oidc";
import { createOIDCProvider } from "../../src/oidc";
import type { ExternalProfile } from "../../src/oidc";
import { microsoftTenantIssuer } from "../../src/oidc/federation/presets";
import { startFakeUpstream, FAKE_CLIENT_ID, FAKE_SUB, type FakeUpstream } from "./federation-fake-upstream";
import { closeTestRedis, openTestRedis } from "../helpers/test-redis";
import { Browser } from "./browser";
import {
  authorizationRequest,
  buildApp,
  CALLBACK,
  DEFAULT_CLIENTS,
  OTHER_TEST_KEYS,
  USERS,
  VERIFIER,
} from "./provider-app";

const redis = await openTestRedis("oidc-federation");
const servers: CovaraServer[] = [];
afterAll(async () => {
  await closeTestRedis(redis);
  await Promise.all(servers.map((server) => server.close()));
});

function location(response: Response): URL {
  const value = response.headers.get("location");
  if (value === null) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(value);
}

function unescapeHtml(value: string): string {
  return value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, "&");
}

/** A server whose app is set after it listens, so each provider can know the other's URL. */
async function lateServer(): Promise<{
  url: string;
  hits: string[];
  serve(app: { fetch(request: Request): Response | Promise<Response> }): void;
}> {
  let app: { fetch(request: Request): Response | Promise<Response> } | undefined;
  const hits: string[] = [];
  const server = await startServer(
    {
      fetch: (request: Request) => {
        hits.push(`${request.method} ${new URL(request.url).pathname}`);
        return app!.fetch(request);
      },
    },
    { port: 0, hostname: "127.0.0.1", shutdown: false },
  );
  servers.push(server);
  return { url: server.url, hits, serve: (next) => (app = next) };
}

/** Local users of the downstream provider, created on first federated login. */
function localDirectory() {
  const users = new Map<string, OIDCUser>();
  const profiles: ExternalProfile[] = [];
  return {
    users,
    profiles,
    getUser: (id: string) => users.get(id) ?? null,
    findOrCreateUser: (profile: ExternalProfile): OIDCUser | null => {
      profiles.push(profile);
      if (profile.email === "blocked@example.com") return null;
      const id = `${profile.provider}-${profile.subject}`;
      const user = users.get(id) ?? {
        id,
        email: profile.email ?? null,
        emailVerified: profile.emailVerified ?? false,
        name: profile.name ?? null,
      };
      users.set(id, user);
      return user;
    },
  };
}

const CONSENTING_CLIENT = {
  id: "consenting",
  name: "Consenting App",
  redirectUris: [CALLBACK],
  tokenEndpointAuthMethod: "none" as const,
};
const UPSTREAM_SECRET = "downstream-secret-0123456789";

/** A downstream provider federating to `upstream` (a config built from the downstream's issuer). */
async function downstreamWith(
  upstreams: (issuer: string) => FederatedProviderConfig[],
  options: Partial<OIDCProviderOptions> = {},
) {
  const server = await lateServer();
  const issuer = `${server.url}/oidc`;
  const directory = localDirectory();
  const { app, provider } = buildApp(issuer, {
    clients: [...DEFAULT_CLIENTS, CONSENTING_CLIENT],
    getUser: directory.getUser,
    backends: { federated: upstreams(issuer), findOrCreateUser: directory.findOrCreateUser },
    ...options,
  });
  server.serve(app);
  await provider.ready;
  return { issuer, hits: server.hits, directory };
}

/** Two covara providers: the upstream knows the downstream as a confidential client. */
async function federatedPair(
  upstreamAuth: "client_secret_basic" | "client_secret_post" = "client_secret_basic",
  downstreamOptions: Partial<OIDCProviderOptions> = {},
) {
  const upstreamServer = await lateServer();
  const upstreamIssuer = `${upstreamServer.url}/oidc`;
  const downstream = await downstreamWith(
    () => [
      oidcProviders.custom({
        name: "up",
        label: "Upstream",
        issuer: upstreamIssuer,
        clientId: "downstream",
        clientSecret: UPSTREAM_SECRET,
        tokenEndpointAuthMethod: upstreamAuth,
      }),
    ],
    downstreamOptions,
  );
  const upstream = buildApp(upstreamIssuer, {
    keys: OTHER_TEST_KEYS,
    clients: [
      {
        id: "downstream",
        secret: UPSTREAM_SECRET,
        redirectUris: [`${downstream.issuer}/federated/up/callback`],
        tokenEndpointAuthMethod: upstreamAuth,
        skipConsent: true,
      },
    ],
  });
  upstreamServer.serve(upstream.app);
  await upstream.provider.ready;
  const tokenRequests = () => upstreamServer.hits.filter((hit) => hit === "POST /oidc/token").length;
  return { upstreamIssuer, downstream, tokenRequests };
}

/** The RP's /authorize at the downstream, up to the login page; returns the upstream button's URL. */
async function openLoginPage(browser: Browser, issuer: string, clientId = "spa", upstream = "up"): Promise<string> {
  const authorize = await browser.get(await authorizationRequest(issuer, { client_id: clientId }));
  expect(authorize.status).toBe(302);
  const loginUrl = location(authorize);
  expect(loginUrl.pathname).toMatch(/\/oidc\/interaction\/[A-Za-z0-9_-]+$/);
  const page = await browser.get(loginUrl.toString());
  expect(page.status).toBe(200);
  const html = await page.text();
  const match = new RegExp(`href="([^"]*/federated/${upstream}[^"]*)"`).exec(html);
  expect(match, "the login page links to the upstream").not.toBeNull();
  return unescapeHtml(match![1]!);
}

/** From the login page's button to the upstream's redirect back to the downstream callback. */
async function throughUpstream(browser: Browser, buttonUrl: string, upstreamUser = "alice"): Promise<URL> {
  const start = await browser.get(buttonUrl);
  expect(start.status).toBe(302);
  const atUpstream = await browser.get(location(start).toString(), { "x-test-user": upstreamUser });
  expect(atUpstream.status).toBe(302);
  return location(atUpstream);
}

async function problem(response: Response): Promise<{ code: string; reason?: string; status: number }> {
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  return (await response.json()) as { code: string; reason?: string; status: number };
}

describe("External login resumes the interaction", () => {
  it("External login resumes the interaction: a successful federated callback establishes the provider session and continues the pending /authorize interaction to the authorization-code redirect (never a bare JSON body)", async () => {
    const { upstreamIssuer, downstream, tokenRequests } = await federatedPair();
    const browser = new Browser();
    const button = await openLoginPage(browser, downstream.issuer);
    expect(button).toMatch(new RegExp(`^${downstream.issuer}/federated/up\\?interaction=`));

    const start = await browser.get(button);
    const upstreamAuthorize = location(start);
    expect(`${upstreamAuthorize.origin}${upstreamAuthorize.pathname}`).toBe(`${upstreamIssuer}/authorize`);
    const sent = upstreamAuthorize.searchParams;
    expect(sent.get("response_type")).toBe("code");
    expect(sent.get("client_id")).toBe("downstream");
    expect(sent.get("redirect_uri")).toBe(`${downstream.issuer}/federated/up/callback`);
    expect(sent.get("scope")).toBe("openid email profile");
    expect(sent.get("code_challenge_method")).toBe("S256");
    expect(sent.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sent.get("state")!.length).toBeGreaterThanOrEqual(43);
    expect(sent.get("nonce")!.length).toBeGreaterThanOrEqual(43);
    const stateCookie = start.headers.getSetCookie().find((line) => line.startsWith("covara_oidc_fed_up="));
    expect(stateCookie).toMatch(/HttpOnly/i);
    expect(stateCookie).toMatch(/SameSite=Lax/i);
    expect(stateCookie).toMatch(/Max-Age=600/i);
    expect(stateCookie).toMatch(/Path=\/oidc\/federated\/up/);

    const atUpstream = await browser.get(upstreamAuthorize.toString(), { "x-test-user": "alice" });
    const callback = location(atUpstream);
    expect(callback.pathname).toBe("/oidc/federated/up/callback");
    expect(callback.searchParams.get("iss")).toBe(upstreamIssuer);

    const back = await browser.get(callback.toString());
    expect(back.status).toBe(302);
    expect(back.headers.get("content-type") ?? "").not.toContain("json");
    const toClient = location(back);
    expect(`${toClient.origin}${toClient.pathname}`).toBe(CALLBACK);
    expect(toClient.searchParams.get("state")).toBe("rp-state");
    expect(toClient.searchParams.get("iss")).toBe(downstream.issuer);
    const code = toClient.searchParams.get("code")!;
    expect(code).toBeTruthy();
    expect(tokenRequests()).toBe(1);
    expect(downstream.directory.profiles[0]).toMatchObject({
      provider: "up",
      subject: "alice",
      issuer: upstreamIssuer,
      email: "alice@example.com",
      emailVerified: true,
      name: "Alice",
    });

    // The RP redeems the code at the downstream: the tokens are for the local user.
    const token = await fetch(`${downstream.issuer}/token`, {
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
    expect(token.status).toBe(200);
    const tokens = (await token.json()) as { access_token: string; id_token: string };
    const idClaims = JSON.parse(Buffer.from(tokens.id_token.split(".")[1]!, "base64url").toString());
    expect(idClaims).toMatchObject({ iss: downstream.issuer, sub: "up-alice", aud: "spa", nonce: "rp-nonce" });
    const userinfo = await fetch(`${downstream.issuer}/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(await userinfo.json()).toMatchObject({ sub: "up-alice", email: "alice@example.com" });

    // The provider session is established: the next authorization needs no login at all.
    const again = await browser.get(
      `${downstream.issuer}/authorize?${new URLSearchParams({ response_type: "code", client_id: "web", redirect_uri: CALLBACK, scope: "openid", state: "s2" })}`,
    );
    expect(location(again).searchParams.get("code")).toBeTruthy();
  });

  it("External login resumes the interaction: continues to the consent step when the client needs consent, then to the code", async () => {
    const { downstream } = await federatedPair("client_secret_post");
    const browser = new Browser();
    const button = await openLoginPage(browser, downstream.issuer, "consenting");
    const callback = await throughUpstream(browser, button);
    const back = await browser.get(callback.toString());
    expect(back.status).toBe(302);
    const consentUrl = location(back);
    expect(consentUrl.pathname).toMatch(/\/oidc\/interaction\/[A-Za-z0-9_-]+\/consent$/);
    const page = await browser.get(consentUrl.toString());
    const html = await page.text();
    expect(html).toContain("Consenting App");
    expect(html).toContain("alice@example.com");
    const csrf = /name="csrf" value="([^"]*)"/.exec(html)![1]!;
    const decided = await browser.request(consentUrl.toString(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf: unescapeHtml(csrf), decision: "allow" }).toString(),
    });
    expect(decided.status).toBe(303);
    expect(location(decided).searchParams.get("code")).toBeTruthy();
  });

  it("an upstream `error` (the user cancelled) re-renders the login page with a message, and exchanges nothing", async () => {
    const { downstream, tokenRequests } = await federatedPair();
    const browser = new Browser();
    const button = await openLoginPage(browser, downstream.issuer);
    const start = await browser.get(button);
    const state = location(start).searchParams.get("state")!;
    const back = await browser.get(`${downstream.issuer}/federated/up/callback?error=access_denied&state=${state}`);
    expect(back.status).toBe(401);
    expect(back.headers.get("content-type")).toContain("text/html");
    const html = await back.text();
    expect(html).toContain("did not complete");
    expect(html).toContain("/federated/up?interaction");
    expect(tokenRequests()).toBe(0);
  });

  it("findOrCreateUser returning null shows the login page with an error and signs no one in", async () => {
    const fake = await startFakeUpstream();
    fake.scenario = { claims: { email: "blocked@example.com" } };
    const downstream = await downstreamWith(() => [
      oidcProviders.custom({
        name: "fake",
        issuer: fake.issuer,
        clientId: FAKE_CLIENT_ID,
        clientSecret: "fake-secret",
      }),
    ]);
    const browser = new Browser();
    const button = await openLoginPage(browser, downstream.issuer, "spa", "fake");
    const callback = await throughUpstream(browser, button);
    const back = await browser.get(callback.toString());
    expect(back.status).toBe(401);
    expect(await back.text()).toContain("may not sign in here");
    expect(browser.jar.get(new URL(downstream.issuer).host)?.has("covara_oidc_session")).toBe(false);
    await fake.server.close();
  });
});

describe("Federated login: the state is bound to the browser and single use", () => {
  it("a missing state is refused before any token exchange", async () => {
    const { downstream, tokenRequests } = await federatedPair();
    const browser = new Browser();
    const callback = await throughUpstream(browser, await openLoginPage(browser, downstream.issuer));
    callback.searchParams.delete("state");
    const response = await browser.get(callback.toString());
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("INVALID_STATE");
    expect(tokenRequests()).toBe(0);
  });

  it("a tampered state is refused before any token exchange", async () => {
    const { downstream, tokenRequests } = await federatedPair();
    const browser = new Browser();
    const callback = await throughUpstream(browser, await openLoginPage(browser, downstream.issuer));
    callback.searchParams.set("state", `${callback.searchParams.get("state")}x`);
    const response = await browser.get(callback.toString());
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("INVALID_STATE");
    expect(tokenRequests()).toBe(0);
  });

  it("a callback in another browser (no state cookie: login CSRF) is refused before any token exchange", async () => {
    const { downstream, tokenRequests } = await federatedPair();
    const victim = new Browser();
    const attacker = new Browser();
    const callback = await throughUpstream(attacker, await openLoginPage(attacker, downstream.issuer));
    await openLoginPage(victim, downstream.issuer);
    const response = await victim.get(callback.toString());
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("INVALID_STATE");
    expect(tokenRequests()).toBe(0);
  });

  it("a forged (unsigned) state cookie is refused before any token exchange", async () => {
    const { downstream, tokenRequests } = await federatedPair();
    const browser = new Browser();
    const callback = await throughUpstream(browser, await openLoginPage(browser, downstream.issuer));
    const cookies = browser.jar.get(new URL(downstream.issuer).host)!;
    cookies.set("covara_oidc_fed_up", callback.searchParams.get("state")!);
    const response = await browser.get(callback.toString());
    expect(response.status).toBe(400);
    expect(tokenRequests()).toBe(0);
  });

  it("a replayed callback (same state, even with the cookies copied) is refused before any token exchange", async () => {
    const { downstream, tokenRequests } = await federatedPair();
    const browser = new Browser();
    const callback = await throughUpstream(browser, await openLoginPage(browser, downstream.issuer));
    const stolen = browser.snapshot();
    const first = await browser.get(callback.toString());
    expect(location(first).searchParams.get("code")).toBeTruthy();
    expect(tokenRequests()).toBe(1);

    const replay = new Browser();
    replay.restore(stolen);
    const response = await replay.get(callback.toString());
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("INVALID_STATE");
    expect(tokenRequests()).toBe(1);
  });

  it.runIf(typeof redis !== "string")(
    "the pending login lives in the provider KV (Redis) under fed-state: for about ten minutes; once expired the callback is refused before any token exchange",
    async () => {
      const kv = redis as KV;
      const prefix = "fed-test:";
      {
        const { downstream, tokenRequests } = await federatedPair("client_secret_basic", { kv, kvPrefix: prefix });
        const browser = new Browser();
        const callback = await throughUpstream(browser, await openLoginPage(browser, downstream.issuer));
        const pending = await kv.keys(`${prefix}fed-state:`);
        expect(pending).toHaveLength(1);
        const ttl = (await kv.ttl(pending[0]!))!;
        expect(ttl).toBeGreaterThan(9 * 60_000);
        expect(ttl).toBeLessThanOrEqual(10 * 60_000);
        // The record holds no usable state: it is stored under the state's hash.
        expect(pending[0]).not.toContain(callback.searchParams.get("state")!);

        await kv.delete(pending[0]!);
        const response = await browser.get(callback.toString());
        expect(response.status).toBe(400);
        expect((await problem(response)).code).toBe("INVALID_STATE");
        expect(tokenRequests()).toBe(0);
      }
    },
  );

  it("starting without a bound interaction is refused with interaction-expired", async () => {
    const { downstream } = await federatedPair();
    const browser = new Browser();
    const button = await openLoginPage(browser, downstream.issuer);
    const stranger = new Browser();
    const response = await stranger.get(button);
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("INTERACTION_EXPIRED");
    const missing = await browser.get(`${downstream.issuer}/federated/up`);
    expect((await problem(missing)).code).toBe("INTERACTION_EXPIRED");
  });
});

describe("Federated id_token verification", () => {
  async function fakeLogin(setup: (fake: FakeUpstream) => void, overrides: Partial<FederatedProviderConfig> = {}) {
    const fake = await startFakeUpstream();
    setup(fake);
    const downstream = await downstreamWith(() => [
      oidcProviders.custom({
        name: "fake",
        issuer: fake.issuer,
        clientId: FAKE_CLIENT_ID,
        clientSecret: "fake-secret",
        ...overrides,
      }),
    ]);
    const browser = new Browser();
    const callback = await throughUpstream(browser, await openLoginPage(browser, downstream.issuer, "spa", "fake"));
    const response = await browser.get(callback.toString());
    const signedIn = browser.jar.get(new URL(downstream.issuer).host)?.has("covara_oidc_session") ?? false;
    await fake.server.close();
    return { response, signedIn, fake, downstream };
  }

  async function expectRefused(setup: (fake: FakeUpstream) => void, reason: string) {
    const { response, signedIn, fake } = await fakeLogin(setup);
    expect(response.status).toBe(401);
    expect(response.headers.get("location")).toBeNull();
    const body = await problem(response);
    expect(body).toMatchObject({ code: "FEDERATED_LOGIN_FAILED", reason });
    expect(signedIn).toBe(false);
    expect(fake.tokenRequests).toBe(1);
  }

  it("accepts a correct id_token from the hand-written upstream (the control case for the attacks below)", async () => {
    const { response, signedIn, fake, downstream } = await fakeLogin(() => {});
    expect(response.status).toBe(302);
    expect(location(response).searchParams.get("code")).toBeTruthy();
    expect(signedIn).toBe(true);
    // client_secret_basic by default, with the PKCE verifier and the same redirect_uri.
    expect(fake.lastTokenAuthorization).toBe(`Basic ${btoa(`${FAKE_CLIENT_ID}:fake-secret`)}`);
    expect(fake.lastTokenForm!.get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(fake.lastTokenForm!.get("redirect_uri")).toBe(`${downstream.issuer}/federated/fake/callback`);
    expect(downstream.directory.profiles[0]).toMatchObject({
      subject: FAKE_SUB,
      email: "fake@example.com",
      name: "Fake User",
    });
  });

  it("Federated id_token verification: external id_tokens are signature-verified against the provider's JWKS — a token signed by another key is refused", async () => {
    await expectRefused((fake) => (fake.scenario = { signWith: "unpublished" }), "id-token-signature");
  });

  it("Federated id_token verification: an unsigned (alg none) id_token is refused", async () => {
    await expectRefused((fake) => (fake.scenario = { signWith: "none" }), "id-token-signature");
  });

  it("Federated id_token verification: an HS256 id_token is refused even when the upstream advertises it", async () => {
    await expectRefused((fake) => (fake.scenario = { signWith: "hs256" }), "id-token-signature");
  });

  it("Federated id_token verification: (issuer + audience checked) — a wrong issuer is refused", async () => {
    await expectRefused((fake) => (fake.scenario = { claims: { iss: "https://evil.example.com" } }), "id-token-issuer");
  });

  it("Federated id_token verification: (issuer + audience checked) — a wrong audience is refused", async () => {
    await expectRefused((fake) => (fake.scenario = { claims: { aud: "another-client" } }), "id-token-audience");
  });

  it("Federated id_token verification: several audiences need azp equal to our client id", async () => {
    await expectRefused(
      (fake) => (fake.scenario = { claims: { aud: [FAKE_CLIENT_ID, "another-client"] } }),
      "id-token-audience",
    );
    await expectRefused(
      (fake) => (fake.scenario = { claims: { aud: [FAKE_CLIENT_ID, "another-client"], azp: "another-client" } }),
      "id-token-audience",
    );
  });

  it("Federated id_token verification: the nonce is compared to the stored interaction nonce — a wrong nonce is refused", async () => {
    await expectRefused((fake) => (fake.scenario = { claims: { nonce: "not-the-nonce-we-sent" } }), "nonce-mismatch");
  });

  it("Federated id_token verification: a missing nonce is refused", async () => {
    await expectRefused((fake) => (fake.scenario = { claims: { nonce: undefined } }), "nonce-mismatch");
  });

  it("Federated id_token verification: an expired id_token is refused", async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    await expectRefused((fake) => (fake.scenario = { claims: { iat: past - 60, exp: past } }), "id-token-expired");
  });

  it("Federated id_token verification: a wrong at_hash is refused", async () => {
    await expectRefused(
      (fake) => (fake.scenario = { claims: { at_hash: "AAAAAAAAAAAAAAAAAAAAAA" } }),
      "at-hash-mismatch",
    );
  });

  it("Federated id_token verification: the id_token sub is cross-checked against the userinfo sub — a mismatch is refused", async () => {
    await expectRefused((fake) => (fake.scenario = { userinfoSub: "someone-else" }), "userinfo-sub-mismatch");
  });

  it("Federated id_token verification: a multi-tenant upstream (discovery issuer template, Microsoft style) accepts the tenant-specific issuer of the token's tid only", async () => {
    const tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const tenantScenario = (fake: FakeUpstream, claimedTid: string) => {
      const origin = new URL(fake.issuer).origin;
      fake.scenario = {
        discoveryIssuer: `${origin}/{tenantid}/v2.0`,
        claims: { iss: `${origin}/${tid}/v2.0`, tid: claimedTid },
      };
    };
    const accepted = await fakeLogin((fake) => tenantScenario(fake, tid), { validateIssuer: microsoftTenantIssuer });
    expect(accepted.response.status).toBe(302);
    expect(location(accepted.response).searchParams.get("code")).toBeTruthy();
    expect(accepted.downstream.directory.profiles[0]!.issuer).toMatch(new RegExp(`/${tid}/v2.0$`));

    const otherTenant = await fakeLogin((fake) => tenantScenario(fake, "11111111-1111-1111-1111-111111111111"), {
      validateIssuer: microsoftTenantIssuer,
    });
    expect(otherTenant.response.status).toBe(401);
    expect(await problem(otherTenant.response)).toMatchObject({ reason: "id-token-issuer" });
    expect(otherTenant.signedIn).toBe(false);

    // Without validateIssuer, a discovery document naming a template is simply another issuer.
    const fake = await startFakeUpstream();
    tenantScenario(fake, tid);
    const strict = await downstreamWith(() => [
      oidcProviders.custom({ name: "fake", issuer: fake.issuer, clientId: FAKE_CLIENT_ID }),
    ]);
    const browser = new Browser();
    const start = await browser.get(await openLoginPage(browser, strict.issuer, "spa", "fake"));
    expect(start.status).toBe(502);
    expect((await problem(start)).code).toBe("UPSTREAM_UNAVAILABLE");
    await fake.server.close();
  });

  it("a token endpoint refusing the code fails the login (401), one answering 500 is upstream-unavailable (502)", async () => {
    await expectRefused(
      (fake) => (fake.scenario = { tokenAnswer: { status: 400, body: { error: "invalid_grant" } } }),
      "token-refused",
    );
    const { response, signedIn } = await fakeLogin(
      (fake) => (fake.scenario = { tokenAnswer: { status: 500, body: { oops: true } } }),
    );
    expect(response.status).toBe(502);
    expect((await problem(response)).code).toBe("UPSTREAM_UNAVAILABLE");
    expect(signedIn).toBe(false);
  });

  it("a token response without an id_token fails the login", async () => {
    await expectRefused(
      (fake) => (fake.scenario = { tokenAnswer: { status: 200, body: { access_token: "x", token_type: "Bearer" } } }),
      "token-response",
    );
  });

  it("a discovery document naming another issuer is refused (502), and nothing is redirected", async () => {
    const fake = await startFakeUpstream();
    fake.scenario = { discoveryIssuer: "https://evil.example.com" };
    const downstream = await downstreamWith(() => [
      oidcProviders.custom({ name: "fake", issuer: fake.issuer, clientId: FAKE_CLIENT_ID }),
    ]);
    const browser = new Browser();
    const response = await browser.get(await openLoginPage(browser, downstream.issuer, "spa", "fake"));
    expect(response.status).toBe(502);
    expect(response.headers.get("location")).toBeNull();
    expect((await problem(response)).code).toBe("UPSTREAM_UNAVAILABLE");
    await fake.server.close();
  });

  it("an unreachable upstream is a 502 problem, not a 500", async () => {
    const dead = await startServer(
      { fetch: () => new Response("") },
      { port: 0, hostname: "127.0.0.1", shutdown: false },
    );
    const deadIssuer = `${dead.url}/oidc`;
    await dead.close();
    const downstream = await downstreamWith(() => [
      oidcProviders.custom({ name: "gone", issuer: deadIssuer, clientId: "x" }),
    ]);
    const browser = new Browser();
    const response = await browser.get(await openLoginPage(browser, downstream.issuer, "spa", "gone"));
    expect(response.status).toBe(502);
    expect((await problem(response)).code).toBe("UPSTREAM_UNAVAILABLE");
  });
});

describe("Federated upstream configuration", () => {
  const base = {
    issuer: "http://localhost/oidc",
    clients: DEFAULT_CLIENTS,
    getUser: (id: string) => USERS[id] ?? null,
  };
  const upstream = { name: "up", issuer: "https://id.example.com", clientId: "c" };
  const findOrCreateUser = () => null;

  const refused: Array<[string, OIDCProviderOptions["backends"], RegExp]> = [
    ["a bad name", { federated: [{ ...upstream, name: "bad/name" }], findOrCreateUser }, /name must be/],
    ["duplicate names", { federated: [upstream, upstream], findOrCreateUser }, /configured twice/],
    ["a missing clientId", { federated: [{ ...upstream, clientId: "" }], findOrCreateUser }, /clientId is required/],
    [
      "a missing issuer",
      { federated: [{ ...upstream, issuer: undefined as unknown as string }], findOrCreateUser },
      /issuer is required/,
    ],
    ["a relative issuer", { federated: [{ ...upstream, issuer: "id.example.com" }], findOrCreateUser }, /absolute URL/],
    ["no findOrCreateUser and no resolveUser", { federated: [upstream] }, /findOrCreateUser/],
    [
      "client_secret_post without a secret",
      { federated: [{ ...upstream, tokenEndpointAuthMethod: "client_secret_post" as const }], findOrCreateUser },
      /needs a clientSecret/,
    ],
    ["scopes without openid", { federated: [{ ...upstream, scopes: ["email"] }], findOrCreateUser }, /openid/],
    [
      "authorizationParams overriding state",
      { federated: [{ ...upstream, authorizationParams: { state: "fixed" } }], findOrCreateUser },
      /may not set "state"/,
    ],
  ];
  for (const [what, backends, message] of refused) {
    it(`refuses ${what} at construction with a covara/oidc TypeError`, () => {
      expect(() => createOIDCProvider({ ...base, backends })).toThrow(TypeError);
      expect(() => createOIDCProvider({ ...base, backends })).toThrow(message);
      expect(() => createOIDCProvider({ ...base, backends })).toThrow(/^covara\/oidc: /);
    });
  }

  it("accepts a per-upstream resolveUser instead of findOrCreateUser", () => {
    expect(() =>
      createOIDCProvider({ ...base, backends: { federated: [{ ...upstream, resolveUser: () => null }] } }),
    ).not.toThrow();
  });
});

describe("oidcProviders presets", () => {
  const client = { clientId: "id", clientSecret: "secret" };

  it("google", () => {
    expect(oidcProviders.google(client)).toMatchObject({
      name: "google",
      label: "Google",
      issuer: "https://accounts.google.com",
      clientId: "id",
      clientSecret: "secret",
    });
    expect(
      oidcProviders.google({
        ...client,
        name: "work",
        label: "Work Google",
        authorizationParams: { hd: "example.com" },
      }),
    ).toMatchObject({
      name: "work",
      label: "Work Google",
      authorizationParams: { hd: "example.com" },
    });
  });

  it("microsoft: common and organizations accept the tenant-specific issuer of the token's tid", () => {
    const common = oidcProviders.microsoft(client);
    expect(common).toMatchObject({
      name: "microsoft",
      label: "Microsoft",
      issuer: "https://login.microsoftonline.com/common/v2.0",
    });
    expect(common.validateIssuer).toBe(microsoftTenantIssuer);
    expect(oidcProviders.microsoft({ ...client, tenant: "organizations" }).issuer).toBe(
      "https://login.microsoftonline.com/organizations/v2.0",
    );
    const tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const template = "https://login.microsoftonline.com/{tenantid}/v2.0";
    expect(microsoftTenantIssuer(`https://login.microsoftonline.com/${tid}/v2.0`, template, { tid })).toBe(true);
    expect(
      microsoftTenantIssuer(`https://login.microsoftonline.com/${tid}/v2.0`, template, {
        tid: "11111111-1111-1111-1111-111111111111",
      }),
    ).toBe(false);
    expect(microsoftTenantIssuer("https://evil.example.com/v2.0", template, { tid })).toBe(false);
    expect(microsoftTenantIssuer(`https://login.microsoftonline.com/${tid}/v2.0`, template, {})).toBe(false);
    expect(
      microsoftTenantIssuer(
        `https://login.microsoftonline.com/${tid}/v2.0`,
        `https://login.microsoftonline.com/${tid}/v2.0`,
        { tid },
      ),
    ).toBe(false);
  });

  it("microsoft: a single tenant and consumers use their exact issuer", () => {
    const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const single = oidcProviders.microsoft({ ...client, tenant });
    expect(single.issuer).toBe(`https://login.microsoftonline.com/${tenant}/v2.0`);
    expect(single.validateIssuer).toBeUndefined();
    expect(oidcProviders.microsoft({ ...client, tenant: "consumers" }).issuer).toBe(
      "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0",
    );
    expect(() => oidcProviders.microsoft({ ...client, tenant: "contoso.com" })).toThrow(/tenant must be/);
  });

  it("okta: the org server or a custom authorization server", () => {
    expect(oidcProviders.okta({ ...client, domain: "example.okta.com" })).toMatchObject({
      name: "okta",
      issuer: "https://example.okta.com",
    });
    expect(
      oidcProviders.okta({ ...client, domain: "https://example.okta.com/", authorizationServerId: "default" }).issuer,
    ).toBe("https://example.okta.com/oauth2/default");
    expect(() => oidcProviders.okta({ ...client, domain: "" })).toThrow(TypeError);
  });

  it("auth0: the issuer keeps Auth0's trailing slash", () => {
    expect(oidcProviders.auth0({ ...client, domain: "example.eu.auth0.com" })).toMatchObject({
      name: "auth0",
      label: "Auth0",
      issuer: "https://example.eu.auth0.com/",
    });
    expect(() => oidcProviders.auth0({ ...client, domain: "evil.com/path?x" })).toThrow(/not a domain/);
  });

  it("keycloak: <baseUrl>/realms/<realm>", () => {
    expect(oidcProviders.keycloak({ ...client, baseUrl: "https://sso.example.com/", realm: "staff" })).toMatchObject({
      name: "keycloak",
      issuer: "https://sso.example.com/realms/staff",
    });
    expect(() => oidcProviders.keycloak({ ...client, baseUrl: "https://sso.example.com", realm: "a/b" })).toThrow(
      TypeError,
    );
  });

  it("custom: the configuration as given", () => {
    expect(
      oidcProviders.custom({ name: "corp", label: "Corp SSO", issuer: "https://sso.corp.example", clientId: "id" }),
    ).toEqual({
      name: "corp",
      label: "Corp SSO",
      issuer: "https://sso.corp.example",
      clientId: "id",
    });
  });
});
