/**
 * Passport strategies as upstreams of the OIDC provider (backends.passport), end to end: the
 * browser goes from the relying party's /authorize to the login page, through a Passport-style
 * strategy to a real OAuth2 server on a local port and back, then on to consent or the client's
 * code redirect — on the memory KV and the real Redis. Every refusal of the state happens before
 * a token request, which the OAuth2 server counts.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { KV } from "../../src/kernel/kv";
import { createMemoryKV } from "../../src/kv";
import { closeTestRedis, openTestRedis } from "../helpers/test-redis";
import type { OIDCProviderOptions, OIDCUser } from "../../src/oidc";
import type { PassportBackendConfig } from "../../src/oidc/types";
import type { ExternalProfile, ResolveExternalUser } from "../../src/oidc/types";
import { startOAuthProvider, type OAuthProvider } from "../auth/features/helpers/oauth2-provider";
import { TestOAuth2Strategy, type TestStrategyOptions } from "../auth/features/helpers/oauth2-strategy";
import { Browser, formAction, hiddenField, locationOf } from "./browser";
import {
  authorizationRequest,
  CALLBACK,
  DEFAULT_CLIENTS,
  LOCAL_ISSUER,
  localApp,
  postForm,
  USERS,
  VERIFIER,
} from "./provider-app";

const COOKIE_SECRET = "passport-cookie-secret-0123456789";
const STATE_COOKIE = "covara_oidc_passport_test";
const CALLBACK_PATH = `${LOCAL_ISSUER}/passport/test/callback`;

const CONSENTING = {
  id: "third",
  name: "Third Party",
  redirectUris: [CALLBACK],
  tokenEndpointAuthMethod: "none" as const,
};

const redis = await openTestRedis("oidc-passport");
const memory = createMemoryKV();
const kvBackends: Array<[string, KV | undefined]> = [
  ["memory", memory],
  ["redis", typeof redis === "string" ? undefined : redis],
];

let upstream: OAuthProvider;
beforeAll(async () => {
  upstream = await startOAuthProvider();
});
afterAll(async () => {
  await upstream.close();
  await memory.close();
  await closeTestRedis(redis);
});
beforeEach(() => {
  upstream.user = { id: 4242, login: "ada", name: "Ada Lovelace", email: "ada@example.com", email_verified: true };
  upstream.tokenRequests = 0;
  upstream.authorizations = [];
  upstream.denyNext = false;
});

function strategy(
  options: Partial<TestStrategyOptions> = {},
  verify?: ConstructorParameters<typeof TestOAuth2Strategy>[1],
) {
  return new TestOAuth2Strategy(
    {
      authorizationURL: `${upstream.url}/authorize`,
      tokenURL: `${upstream.url}/token`,
      profileURL: `${upstream.url}/user`,
      clientID: upstream.clientId,
      clientSecret: upstream.clientSecret,
      pkce: true,
      ...options,
    },
    verify ?? ((_accessToken, _refreshToken, profile, done) => done(null, profile)),
  );
}

/** The app's own user directory: upstream accounts are linked to local users, created on first login. */
function localDirectory() {
  const users = new Map<string, OIDCUser>();
  const links = new Map<string, string>();
  const profiles: ExternalProfile[] = [];
  const findOrCreateUser: ResolveExternalUser = (profile) => {
    profiles.push(profile);
    const key = `${profile.provider}:${profile.subject}`;
    let id = links.get(key);
    if (id === undefined) {
      id = `local-${users.size + 1}`;
      users.set(id, {
        id,
        email: profile.email ?? null,
        emailVerified: profile.emailVerified ?? false,
        name: profile.name ?? null,
      });
      links.set(key, id);
    }
    return users.get(id)!;
  };
  return { users, profiles, findOrCreateUser };
}

interface Setup {
  passport?: Partial<PassportBackendConfig>;
  findOrCreateUser?: ResolveExternalUser;
  options?: Partial<OIDCProviderOptions>;
  kv?: KV;
}

function passportApp(setup: Setup = {}) {
  const directory = localDirectory();
  const kvPrefix = `p${Math.random().toString(36).slice(2, 8)}:`;
  const { app } = localApp({
    clients: [...DEFAULT_CLIENTS, CONSENTING],
    getUser: (id) => directory.users.get(id) ?? USERS[id] ?? null,
    cookieSecret: COOKIE_SECRET,
    kv: setup.kv ?? createMemoryKV(),
    kvPrefix,
    backends: {
      passport: [
        {
          name: "test",
          label: "Test Upstream",
          strategy: strategy(),
          authenticateOptions: { scope: ["user:email"] },
          ...setup.passport,
        },
      ],
      findOrCreateUser: setup.findOrCreateUser ?? directory.findOrCreateUser,
    },
    ...setup.options,
  });
  // The provider answers in process; the upstream OAuth2 server is a real one on a loopback port.
  const browser = () =>
    new Browser((url, init) => (new URL(url).host === "provider.test" ? app.request(url, init) : fetch(url, init)));
  return { app, directory, browser, kvPrefix };
}

function authorizeUrl(clientId: string): Promise<string> {
  return authorizationRequest(LOCAL_ISSUER, { client_id: clientId });
}

const decodeEntities = (text: string) =>
  text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

/** The "Continue with …" link of a login page. */
function passportLink(html: string): URL {
  const match =
    /<a class="upstream secondary" href="([^"]*\/passport\/test[^"]*)">Continue with Test Upstream<\/a>/.exec(html);
  if (!match) throw new Error("no Passport button on the login page");
  return new URL(decodeEntities(match[1]!));
}

/** RP /authorize → login page → the Passport button → the upstream, which approves; returns every hop. */
async function startLogin(browser: Browser, clientId = "spa") {
  const login = locationOf(await browser.get(await authorizeUrl(clientId)), LOCAL_ISSUER);
  const page = await browser.get(login);
  expect(page.status).toBe(200);
  const link = passportLink(await page.text());
  const start = await browser.get(link);
  expect(start.status).toBe(302);
  const toUpstream = locationOf(start, LOCAL_ISSUER);
  const approved = await browser.get(toUpstream);
  expect(approved.status).toBe(302);
  return { login, link, start, toUpstream, callback: locationOf(approved, upstream.url) };
}

async function redeem(app: ReturnType<typeof passportApp>["app"], clientId: string, code: string) {
  return postForm(app, "/token", {
    grant_type: "authorization_code",
    client_id: clientId,
    code,
    redirect_uri: CALLBACK,
    code_verifier: VERIFIER,
  });
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
}

async function expectProblem(
  response: Response,
  status: number,
  code: string,
): Promise<{ code: string; detail?: string }> {
  const text = await response.text();
  if (
    response.status !== status ||
    !(response.headers.get("content-type") ?? "").includes("application/problem+json")
  ) {
    throw new Error(
      `expected a ${status} problem ${code}, got ${response.status} ${response.headers.get("content-type")}: ${text.slice(0, 300)}`,
    );
  }
  const body = JSON.parse(text) as { code: string; detail?: string };
  expect(body.code).toBe(code);
  return body;
}

async function expectLoginPage(response: Response, message: RegExp): Promise<string> {
  expect(response.status).toBe(401);
  expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  const html = await response.text();
  expect(html).toMatch(message);
  expect(html).toContain("Continue with Test Upstream");
  return html;
}

const stateOf = (callback: URL) => callback.searchParams.get("state")!;

describe.each(kvBackends)("Passport upstream on the %s KV", (_name, kv) => {
  const run = kv ? it : it.skip;

  run(
    "External login resumes the interaction: a successful backends.passport callback establishes the provider session and continues the pending /authorize interaction to the authorization-code redirect — never a bare JSON body",
    async () => {
      const { app, directory, browser: newBrowser } = passportApp({ kv });
      const browser = newBrowser();
      const { link, toUpstream, callback } = await startLogin(browser, "spa");

      // What went upstream: the provider's callback URL, the strategy's scope, a state and PKCE S256.
      expect(link.searchParams.get("interaction")).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(toUpstream.origin).toBe(upstream.url);
      const authorization = upstream.authorizations[0]!;
      expect(authorization.get("redirect_uri")).toBe(CALLBACK_PATH);
      expect(authorization.get("scope")).toBe("user:email");
      expect(authorization.get("code_challenge_method")).toBe("S256");
      expect(authorization.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(callback.toString().startsWith(`${CALLBACK_PATH}?`)).toBe(true);

      const done = await browser.get(callback);
      expect(done.status).toBe(302);
      expect(done.headers.get("content-type")).toBeNull();
      expect(await done.text()).toBe("");
      const redirect = locationOf(done, LOCAL_ISSUER);
      expect(`${redirect.origin}${redirect.pathname}`).toBe(CALLBACK);
      expect(redirect.searchParams.get("state")).toBe("rp-state");
      expect(redirect.searchParams.get("iss")).toBe(LOCAL_ISSUER);
      expect(upstream.tokenRequests).toBe(1);
      expect(browser.cookies("provider.test").has(STATE_COOKIE)).toBe(false);

      // The profile the app saw, and the local user it chose.
      expect(directory.profiles).toHaveLength(1);
      expect(directory.profiles[0]).toMatchObject({
        provider: "test",
        subject: "4242",
        email: "ada@example.com",
        emailVerified: true,
        name: "Ada Lovelace",
      });
      const tokens = (await (await redeem(app, "spa", redirect.searchParams.get("code")!)).json()) as {
        id_token: string;
        access_token: string;
      };
      const idToken = claimsOf(tokens.id_token);
      expect(idToken.sub).toBe("local-1");
      expect(idToken.nonce).toBe("rp-nonce");
      expect(idToken.iss).toBe(LOCAL_ISSUER);
      const me = await app.request("/api/me", { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(((await me.json()) as { user: { id: string } }).user.id).toBe("local-1");

      // The provider session is set: the next /authorize in this browser skips the login page.
      const again = locationOf(await browser.get(await authorizeUrl("spa")), LOCAL_ISSUER);
      expect(again.searchParams.get("code")).toBeTruthy();
      expect(upstream.tokenRequests).toBe(1);
    },
  );

  run(
    "Passport backend state binding: backends.passport carries the OAuth state/PKCE handle across the redirect→callback in a signed, httpOnly, short-lived cookie + state store; a callback with missing/expired/mismatched state is rejected before any token exchange",
    async () => {
      const { browser: newBrowser, kvPrefix } = passportApp({ kv });
      const browser = newBrowser();
      const first = await startLogin(browser);
      // The state store: one record, kept under the state's hash (the KV never holds a usable state).
      const records = await kv!.keys(`${kvPrefix}passport-state:`);
      expect(records).toHaveLength(1);
      expect(records[0]).not.toContain(stateOf(first.callback));
      const record = JSON.parse((await kv!.get(records[0]!))!) as Record<string, unknown>;
      expect(record).toMatchObject({ upstream: "test", interactionId: first.link.searchParams.get("interaction") });
      expect(record.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const setCookie = first.start.headers.getSetCookie().find((line) => line.startsWith(`${STATE_COOKIE}=`))!;
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Lax/);
      expect(setCookie).toMatch(/Max-Age=600/);
      expect(setCookie).toMatch(/Path=\/oidc/);
      // Signed with the provider's cookieSecret: the state plus its HMAC.
      const state = stateOf(first.callback);
      const signature = createHmac("sha256", COOKIE_SECRET).update(state).digest("base64");
      expect(decodeURIComponent(browser.cookies("provider.test").get(STATE_COOKIE)!)).toBe(`${state}.${signature}`);
      const code = first.callback.searchParams.get("code")!;

      // Missing state.
      expect(
        (await expectProblem(await browser.get(`${CALLBACK_PATH}?code=${code}`), 400, "INVALID_STATE")).detail,
      ).toMatch(/no state/);
      // Mismatched: a fresh login, and the callback of the first one.
      const second = await startLogin(browser);
      const mismatched = await expectProblem(
        await browser.get(`${CALLBACK_PATH}?code=${second.callback.searchParams.get("code")}&state=${state}`),
        400,
        "INVALID_STATE",
      );
      expect(mismatched.detail).toMatch(/does not match/);
      // A cookie signed with another secret.
      const third = await startLogin(browser);
      const forged = createHmac("sha256", "another-secret-entirely-0123456789")
        .update(stateOf(third.callback))
        .digest("base64");
      browser.cookies("provider.test").set(STATE_COOKIE, encodeURIComponent(`${stateOf(third.callback)}.${forged}`));
      expect((await expectProblem(await browser.get(third.callback), 400, "INVALID_STATE")).detail).toMatch(
        /signature is invalid/,
      );
      // No state cookie at all.
      const fourth = await startLogin(browser);
      browser.cookies("provider.test").delete(STATE_COOKIE);
      expect((await expectProblem(await browser.get(fourth.callback), 400, "INVALID_STATE")).detail).toMatch(
        /cookie is missing/,
      );
      expect(upstream.tokenRequests).toBe(0);

      // Replayed: a used callback cannot be used again, even with the cookie put back.
      const fifth = await startLogin(browser);
      const savedCookie = browser.cookies("provider.test").get(STATE_COOKIE)!;
      expect((await browser.get(fifth.callback)).status).toBe(302);
      expect(upstream.tokenRequests).toBe(1);
      browser.cookies("provider.test").set(STATE_COOKIE, savedCookie);
      const replay = await expectProblem(await browser.get(fifth.callback), 400, "INVALID_STATE");
      expect(replay.detail).toMatch(/expired or was already used/);
      expect(upstream.tokenRequests).toBe(1);
    },
  );

  run("an expired state is rejected before any token exchange", async () => {
    const { browser: newBrowser } = passportApp({ kv });
    const browser = newBrowser();
    const { callback } = await startLogin(browser);
    // Eleven minutes later: past the state's ten, within the interaction's fifteen.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 11 * 60_000);
      const refused = await expectProblem(await browser.get(callback), 400, "INVALID_STATE");
      expect(refused.detail).toMatch(/expired/);
    } finally {
      vi.useRealTimers();
    }
    expect(upstream.tokenRequests).toBe(0);
  });
});

describe("Passport upstream: completion paths", () => {
  it("External login resumes the interaction: a client that needs consent gets the consent page, then the code redirect", async () => {
    const { app, browser: newBrowser } = passportApp();
    const browser = newBrowser();
    const { callback } = await startLogin(browser, "third");
    const consent = locationOf(await browser.get(callback), LOCAL_ISSUER);
    expect(consent.pathname).toMatch(/^\/oidc\/interaction\/[A-Za-z0-9_-]+\/consent$/);
    const page = await browser.get(consent);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Third Party wants to");
    expect(html).toContain("ada@example.com");
    const allowed = await browser.postForm(formAction(html), { csrf: hiddenField(html, "csrf"), decision: "allow" });
    const redirect = locationOf(allowed, LOCAL_ISSUER);
    expect(redirect.searchParams.get("state")).toBe("rp-state");
    const tokens = (await (await redeem(app, "third", redirect.searchParams.get("code")!)).json()) as {
      id_token: string;
    };
    expect(claimsOf(tokens.id_token).sub).toBe("local-1");
  });

  it("a form_post callback (POST) works like the GET one", async () => {
    const { browser: newBrowser } = passportApp();
    const browser = newBrowser();
    const { callback } = await startLogin(browser);
    const posted = await browser.postForm(CALLBACK_PATH, Object.fromEntries(callback.searchParams));
    expect(posted.status).toBe(303);
    expect(locationOf(posted, LOCAL_ISSUER).searchParams.get("code")).toBeTruthy();
    expect(upstream.tokenRequests).toBe(1);
  });

  it("a strategy without a state store gets the state as options.state, and the same checks apply", async () => {
    const { browser: newBrowser } = passportApp({
      passport: { strategy: strategy({ withoutStateStore: true, pkce: false }) },
    });
    const browser = newBrowser();
    const { callback } = await startLogin(browser);
    expect(upstream.authorizations[0]!.get("state")).toBe(stateOf(callback));
    expect(upstream.authorizations[0]!.get("code_challenge")).toBeNull();
    await expectProblem(await newBrowser().get(callback), 400, "INVALID_STATE");
    const ok = await startLogin(browser);
    expect(locationOf(await browser.get(ok.callback), LOCAL_ISSUER).searchParams.get("code")).toBeTruthy();
    expect(upstream.tokenRequests).toBe(1);
  });

  it("a per-upstream resolveUser and toProfile take precedence over the defaults", async () => {
    const seen: ExternalProfile[] = [];
    const {
      app,
      directory,
      browser: newBrowser,
    } = passportApp({
      passport: {
        toProfile: (result) => ({ provider: "test", subject: `gh-${(result as { id: string }).id}`, raw: {} }),
        resolveUser: (profile) => (seen.push(profile), USERS.bob!),
      },
    });
    const browser = newBrowser();
    const { callback } = await startLogin(browser);
    const redirect = locationOf(await browser.get(callback), LOCAL_ISSUER);
    expect(seen.map((profile) => profile.subject)).toEqual(["gh-4242"]);
    expect(directory.profiles).toEqual([]);
    const tokens = (await (await redeem(app, "spa", redirect.searchParams.get("code")!)).json()) as {
      id_token: string;
    };
    expect(claimsOf(tokens.id_token).sub).toBe("bob");
  });
});

describe("Passport upstream: refusals", () => {
  it("an interaction of another browser (no interaction cookie) cannot start or finish a Passport login", async () => {
    const { browser: newBrowser } = passportApp();
    const victim = newBrowser();
    const login = locationOf(await victim.get(await authorizeUrl("spa")), LOCAL_ISSUER);
    const link = passportLink(await (await victim.get(login)).text());
    // Another browser following the victim's button.
    await expectProblem(await newBrowser().get(link), 400, "INTERACTION_EXPIRED");
    // No interaction parameter, or an unknown one.
    await expectProblem(await victim.get(`${LOCAL_ISSUER}/passport/test`), 400, "INTERACTION_EXPIRED");
    await expectProblem(
      await victim.get(`${LOCAL_ISSUER}/passport/test?interaction=unknown`),
      400,
      "INTERACTION_EXPIRED",
    );
    expect(upstream.authorizations).toHaveLength(0);

    // A browser holding the state cookie but no longer the interaction cookie is refused at the callback.
    const { callback } = await startLogin(victim);
    victim.cookies("provider.test").delete("covara_oidc_interaction");
    await expectProblem(await victim.get(callback), 400, "INTERACTION_EXPIRED");
    expect(upstream.tokenRequests).toBe(0);
  });

  it("an upstream error (the user cancelled) shows the login page again with a message, and the interaction can go on", async () => {
    const { browser: newBrowser } = passportApp();
    const browser = newBrowser();
    upstream.denyNext = true;
    const { callback } = await startLogin(browser);
    expect(callback.searchParams.get("error")).toBe("access_denied");
    const html = await expectLoginPage(
      await browser.get(callback),
      /Signing in with Test Upstream was cancelled or refused/,
    );
    // The upstream's own text is never shown on the provider's page.
    expect(html).not.toContain("The user said no");
    expect(upstream.tokenRequests).toBe(0);
    // An error parameter does not bypass the state check.
    const forged = new URL(CALLBACK_PATH);
    forged.searchParams.set("error", "access_denied");
    await expectProblem(await browser.get(forged), 400, "INVALID_STATE");
    // The same interaction, second try.
    const link = passportLink(html);
    const retry = locationOf(await browser.get(link), LOCAL_ISSUER);
    const back = locationOf(await browser.get(retry), upstream.url);
    expect(locationOf(await browser.get(back), LOCAL_ISSUER).searchParams.get("code")).toBeTruthy();
  });

  it("resolveUser returning null shows the login page with an error and signs nobody in", async () => {
    const { browser: newBrowser } = passportApp({ findOrCreateUser: () => null });
    const browser = newBrowser();
    const { callback } = await startLogin(browser);
    await expectLoginPage(await browser.get(callback), /No account here matches your Test Upstream sign-in/);
    expect(browser.cookies("provider.test").has("covara_oidc_session")).toBe(false);
    // Still not signed in: /authorize sends the browser to the login page again.
    expect(locationOf(await browser.get(await authorizeUrl("spa")), LOCAL_ISSUER).pathname).toMatch(
      /^\/oidc\/interaction\//,
    );
  });

  it("a profile without an id (toProfile returning null) shows the login page with an error", async () => {
    const { browser: newBrowser } = passportApp({ passport: { toProfile: () => null } });
    const browser = newBrowser();
    const { callback } = await startLogin(browser);
    await expectLoginPage(await browser.get(callback), /did not share who you are/);
  });

  it("a strategy that fails shows the login page; one that errors is a social-login-failed problem, never a 500", async () => {
    const failing = passportApp({
      passport: { strategy: strategy({}, (_a, _r, _profile, done) => done(null, false)) },
    });
    const browser = failing.browser();
    await expectLoginPage(
      await browser.get((await startLogin(browser)).callback),
      /Test Upstream did not confirm this sign-in/,
    );

    const errors: unknown[] = [];
    const log = vi.spyOn(console, "error").mockImplementation((...args) => void errors.push(args));
    try {
      // The token exchange fails: the upstream refuses the client secret.
      const erroring = passportApp({ passport: { strategy: strategy({ clientSecret: "wrong" }) } });
      const other = erroring.browser();
      const refused = await expectProblem(
        await other.get((await startLogin(other)).callback),
        401,
        "SOCIAL_LOGIN_FAILED",
      );
      expect(refused.detail).toMatch(/Signing in with Test Upstream failed/);
      expect(JSON.stringify(refused)).not.toMatch(/invalid_client|stack/);

      // A strategy that throws while starting.
      const throwing = passportApp({
        passport: {
          strategy: {
            authenticate: () => {
              throw new Error("boom");
            },
          },
        },
      });
      const third = throwing.browser();
      const login = locationOf(await third.get(await authorizeUrl("spa")), LOCAL_ISSUER);
      const link = passportLink(await (await third.get(login)).text());
      await expectProblem(await third.get(link), 401, "SOCIAL_LOGIN_FAILED");
      expect(third.cookies("provider.test").has(STATE_COOKIE)).toBe(false);
    } finally {
      log.mockRestore();
    }
    expect(errors).toHaveLength(2);
  });

  it("a misconfigured backends.passport throws a TypeError when the provider is created", () => {
    const good = { name: "gh", strategy: strategy() };
    const build =
      (passport: unknown, withFindOrCreateUser = true) =>
      () =>
        localApp({
          backends: {
            passport: passport as PassportBackendConfig[],
            ...(withFindOrCreateUser ? { findOrCreateUser: () => null } : {}),
          },
        });
    expect(build([{ ...good, name: "has space" }])).toThrow(/^covara\/oidc: backends\.passport\[0\]\.name must be/);
    expect(build([{ ...good, name: "" }])).toThrow(TypeError);
    expect(build([good, { ...good }])).toThrow(
      /covara\/oidc: backends\.passport names must be unique \("gh" appears twice\)/,
    );
    expect(build([{ name: "gh", strategy: {} }])).toThrow(
      /covara\/oidc: backends\.passport "gh": the strategy has no authenticate/,
    );
    expect(build([{ name: "gh" }])).toThrow(TypeError);
    expect(build([good], false)).toThrow(
      /covara\/oidc: backends\.passport "gh" needs resolveUser or backends\.findOrCreateUser/,
    );
    expect(build([{ ...good, callbackURL: "/relative" }])).toThrow(/callbackURL must be an absolute URL/);
    expect(build({ name: "gh" })).toThrow(/backends\.passport must be an array/);
    // A per-upstream resolver is enough without findOrCreateUser.
    expect(build([{ ...good, resolveUser: () => null }], false)).not.toThrow();
  });

  it("the state never outlives the interaction, and a custom callbackURL is what goes upstream", async () => {
    const { browser: newBrowser } = passportApp({
      options: { interactions: { ttlSeconds: 90 } },
      passport: { callbackURL: "https://login.example.com/oidc/passport/test/callback" },
    });
    const browser = newBrowser();
    const login = locationOf(await browser.get(await authorizeUrl("spa")), LOCAL_ISSUER);
    const start = await browser.get(passportLink(await (await browser.get(login)).text()));
    expect(start.headers.getSetCookie().find((line) => line.startsWith(`${STATE_COOKIE}=`))).toMatch(
      /Max-Age=(89|90);/,
    );
    expect(new URL(start.headers.get("location")!).searchParams.get("redirect_uri")).toBe(
      "https://login.example.com/oidc/passport/test/callback",
    );
  });
});
