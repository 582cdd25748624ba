/**
 * Social login through a Passport strategy end to end: the browser goes to a real OAuth2 provider
 * on a local port and back, with state bound to a signed cookie and the KV, PKCE carried to the
 * code exchange, account linking, any session strategy, and every refusal happening before a
 * token request — on the memory KV and the real Redis.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  cookieSession,
  fromPassport,
  jwtSession,
  magicLinks,
  type FromPassportOptions,
  type SessionStrategy,
} from "../../../src/auth";
import {
  backendRuns,
  expectProblem,
  featureApp,
  kvBackends,
  memoryUsers,
  tokenOf,
  type Browser,
  type MemoryUsers,
} from "./helpers/auth-app";
import { startOAuthProvider, type OAuthProvider } from "./helpers/oauth2-provider";
import { TestOAuth2Strategy, type TestStrategyOptions } from "./helpers/oauth2-strategy";

let provider: OAuthProvider;
beforeAll(async () => {
  provider = await startOAuthProvider();
});
afterAll(() => provider.close());

function strategy(options: Partial<TestStrategyOptions> = {}) {
  return new TestOAuth2Strategy(
    {
      authorizationURL: `${provider.url}/authorize`,
      tokenURL: `${provider.url}/token`,
      profileURL: `${provider.url}/user`,
      clientID: provider.clientId,
      clientSecret: provider.clientSecret,
      pkce: true,
      scope: ["user:email"],
      ...options,
    },
    (_accessToken, _refreshToken, profile, done) => done(null, profile),
  );
}

/** Follows the provider's /authorize (auto-approve) and returns the callback URL it redirects to. */
async function approve(location: string): Promise<string> {
  const res = await fetch(location, { redirect: "manual" });
  expect(res.status).toBe(302);
  return res.headers.get("location")!;
}

for (const backend of kvBackends) {
  describe.runIf(await backendRuns(backend))(`social login on ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    beforeEach(async () => {
      opened = await backend.open();
      provider.user = { id: 4242, login: "ada", name: "Ada Lovelace", email: "ada@example.com", email_verified: true };
      provider.tokenRequests = 0;
      provider.authorizations = [];
    });
    afterEach(() => opened.close());

    function setup(
      options: Partial<FromPassportOptions> = {},
      extra: { users?: MemoryUsers; strategy?: SessionStrategy; passport?: ReturnType<typeof strategy> } = {},
    ) {
      const users = extra.users ?? memoryUsers();
      const features = [fromPassport(extra.passport ?? strategy(), { name: "test", ...options })];
      return featureApp(opened, features, { users, ...(extra.strategy ? { strategy: extra.strategy } : {}) });
    }

    /** GET /social/test, then the provider; returns the callback URL and the start response. */
    async function startLogin(browser: Browser) {
      const start = await browser.send("GET", "/api/auth/social/test");
      expect(start.status).toBe(302);
      return { start, callback: await approve(start.headers.get("location")!) };
    }

    it("signs in through the provider: state and PKCE S256 go out, the code is exchanged with the verifier, the user is created and signed in", async () => {
      const t = setup();
      const browser = t.browser();
      const { start, callback } = await startLogin(browser);
      const authorize = provider.authorizations[0]!;
      expect(authorize.get("code_challenge_method")).toBe("S256");
      expect(authorize.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(authorize.get("redirect_uri")).toBe("http://localhost/api/auth/social/test/callback");
      expect(authorize.get("scope")).toBe("user:email");
      expect(authorize.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(start.headers.get("location")).toContain(provider.url);

      const res = await browser.send("GET", callback);
      expect(res.status).toBe(200);
      expect(res.body.user.email).toBe("ada@example.com");
      expect(provider.tokenRequests).toBe(1);
      expect(t.users.calls).toEqual(["createUser:ada@example.com"]);
      expect(t.users.rows.get(res.body.user.id)!.emailVerified).toBeInstanceOf(Date);
      expect((await browser.send("GET", "/api/whoami")).body.user.email).toBe("ada@example.com");
      // The state cookie is cleared once used.
      expect(browser.cookies.has("covara_oauth_test")).toBe(false);
    });

    it("Passport backend state binding: … carries the OAuth state/PKCE handle across the redirect→callback in a signed, httpOnly, short-lived cookie + state store; a callback with missing/expired/mismatched state is rejected before any token exchange", async () => {
      const t = setup();
      const browser = t.browser();
      const { start, callback } = await startLogin(browser);
      const cookie = start.headers.getSetCookie().find((line) => line.startsWith("covara_oauth_test="))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/Max-Age=600/);
      expect(cookie).toMatch(/SameSite=Lax/);
      const state = new URL(callback).searchParams.get("state")!;
      // Signed: the cookie holds the state plus an HMAC.
      expect(decodeURIComponent(browser.cookies.get("covara_oauth_test")!)).toMatch(new RegExp(`^${state}\\.`));
      const code = new URL(callback).searchParams.get("code")!;
      const path = "/api/auth/social/test/callback";

      // Missing state.
      expectProblem(await browser.send("GET", `${path}?code=${code}`), 400, "INVALID_STATE");
      // Mismatched state (the cookie was cleared by the refusal; start again for a fresh one).
      const second = await startLogin(browser);
      const secondCode = new URL(second.callback).searchParams.get("code")!;
      expectProblem(await browser.send("GET", `${path}?code=${secondCode}&state=${state}`), 400, "INVALID_STATE");
      // No cookie at all: another browser presenting a valid state and code.
      const third = await startLogin(browser);
      expectProblem(await t.browser().send("GET", third.callback), 400, "INVALID_STATE");
      // A tampered signature.
      const fourth = await startLogin(browser);
      const [value] = decodeURIComponent(browser.cookies.get("covara_oauth_test")!).split(".");
      browser.cookies.set("covara_oauth_test", encodeURIComponent(`${value}.AAAA${"A".repeat(40)}=`));
      expectProblem(await browser.send("GET", fourth.callback), 400, "INVALID_STATE");
      expect(provider.tokenRequests).toBe(0);

      // Replayed: a successful callback cannot be used twice, even with the cookie put back.
      const fifth = await startLogin(browser);
      const savedCookie = browser.cookies.get("covara_oauth_test")!;
      expect((await browser.send("GET", fifth.callback)).status).toBe(200);
      browser.cookies.set("covara_oauth_test", savedCookie);
      expectProblem(await browser.send("GET", fifth.callback), 400, "INVALID_STATE");
      expect(provider.tokenRequests).toBe(1);
    });

    it("an expired state is rejected before any token exchange", async () => {
      const t = setup({ stateTtlMs: 1 });
      const browser = t.browser();
      const { callback } = await startLogin(browser);
      const started = Date.now();
      while (Date.now() - started < 20) await new Promise((resolve) => setTimeout(resolve, 5));
      expectProblem(await browser.send("GET", callback), 400, "INVALID_STATE");
      expect(provider.tokenRequests).toBe(0);
    });

    it("Orthogonal to credentials: … Any provider composes with any strategy — e.g. a Passport social provider issuing JWTs", async () => {
      const t = setup(
        {},
        {
          strategy: jwtSession({
            secret: "a-test-secret-that-is-at-least-32-bytes-long",
            issuer: "https://covara.test",
            audience: "covara-test",
          }),
        },
      );
      const browser = t.browser();
      const { callback } = await startLogin(browser);
      const res = await browser.send("GET", callback);
      expect(res.status).toBe(200);
      expect(typeof res.body.accessToken).toBe("string");
      const me = await t
        .browser()
        .send("GET", "/api/whoami", { headers: { authorization: `Bearer ${res.body.accessToken}` } });
      expect(me.body.user.email).toBe("ada@example.com");
    });

    it("Single issuance path: every successful login (… social, magic link …) goes through strategy.issue(c, userId)", async () => {
      const base = cookieSession();
      const issued: string[] = [];
      const counting: SessionStrategy = {
        name: base.name,
        bind: (context) => base.bind!(context),
        issue: async (c, user) => (issued.push(String(user.id)), base.issue(c, user)),
        authenticate: (c) => base.authenticate(c),
        revoke: (c) => base.revoke(c),
        revokeAll: (userId) => base.revokeAll(userId),
      };
      const users = memoryUsers();
      const t = featureApp(opened, [fromPassport(strategy(), { name: "test" }), magicLinks()], {
        users,
        strategy: counting,
      });
      const browser = t.browser();
      const { callback } = await startLogin(browser);
      expect((await browser.send("GET", callback)).status).toBe(200);
      await browser.send("POST", "/api/auth/magic-link/request", { body: { email: "ada@example.com" } });
      await browser.settle();
      expect((await browser.send("GET", `/api/auth/magic-link/verify?token=${tokenOf(t.outbox[0])}`)).status).toBe(200);
      expect(issued).toEqual(["1", "1"]);
    });

    it("links by verified email to an existing account, and later logins follow the link even if the provider email changes", async () => {
      const users = memoryUsers();
      await users.add("ada@example.com");
      const t = setup({}, { users });
      const first = t.browser();
      const res = await first.send("GET", (await startLogin(first)).callback);
      expect(res.body.user.id).toBe("1");
      expect(users.calls).toEqual([]);
      provider.user = { ...provider.user, email: "ada@new.example" };
      const second = t.browser();
      expect((await second.send("GET", (await startLogin(second)).callback)).body.user.id).toBe("1");
    });

    it("an unverified provider email never takes over an existing account", async () => {
      const users = memoryUsers();
      await users.add("ada@example.com");
      const t = setup({}, { users });
      provider.user = { ...provider.user, email_verified: false };
      const browser = t.browser();
      const refused = expectProblem(
        await browser.send("GET", (await startLogin(browser)).callback),
        401,
        "SOCIAL_LOGIN_FAILED",
      );
      expect(refused.detail).toMatch(/sign in to it first/);
      expect((await browser.send("GET", "/api/whoami")).body.user).toBeNull();
      // With trustEmail the app vouches for the provider's addresses.
      const trusting = setup({ trustEmail: true }, { users });
      const other = trusting.browser();
      expect((await other.send("GET", (await startLogin(other)).callback)).body.user.id).toBe("1");
    });

    it("a signed-in user who starts a social login links the provider account to themselves", async () => {
      const users = memoryUsers();
      await users.add("someone@example.com", "correct horse battery staple");
      const t = setup({}, { users });
      const browser = t.browser();
      expect(
        (
          await browser.send("POST", "/api/auth/login", {
            body: { email: "someone@example.com", password: "correct horse battery staple" },
          })
        ).status,
      ).toBe(200);
      expect((await browser.send("GET", (await startLogin(browser)).callback)).body.user.id).toBe("1");
      const later = t.browser();
      expect((await later.send("GET", (await startLogin(later)).callback)).body.user.id).toBe("1");
      expect(users.calls).toEqual([]);
    });

    it("a provider denial, or a code injected from another login (refused by PKCE), is a 401 problem, never a 500", async () => {
      const t = setup();
      const browser = t.browser();
      provider.denyNext = true;
      expectProblem(await browser.send("GET", (await startLogin(browser)).callback), 401, "SOCIAL_LOGIN_FAILED");
      // A code stolen from someone else's login, injected with this browser's own valid state: the
      // provider refuses it because this login's PKCE verifier does not match the victim's challenge.
      const victim = t.browser();
      const stolen = new URL((await startLogin(victim)).callback).searchParams.get("code")!;
      const { callback } = await startLogin(browser);
      const injected = new URL(callback);
      injected.searchParams.set("code", stolen);
      const before = provider.tokenRequests;
      expectProblem(await browser.send("GET", injected.toString()), 401, "SOCIAL_LOGIN_FAILED");
      expect(provider.tokenRequests).toBe(before + 1);
      expect((await browser.send("GET", "/api/whoami")).body.user).toBeNull();
    });

    it("a strategy without a state store gets the state as an option, and the callback still checks it", async () => {
      const t = setup({}, { passport: strategy({ withoutStateStore: true, pkce: false }) });
      const browser = t.browser();
      const { callback } = await startLogin(browser);
      expect(provider.authorizations[0]!.get("code_challenge")).toBeNull();
      expect((await browser.send("GET", callback)).status).toBe(200);
      const again = await startLogin(browser);
      const tampered = new URL(again.callback);
      tampered.searchParams.set("state", "not-the-state");
      expectProblem(await browser.send("GET", tampered.toString()), 400, "INVALID_STATE");
    });

    it("accepts a form_post callback (POST with an url-encoded body)", async () => {
      const t = setup();
      const browser = t.browser();
      const callback = new URL((await startLogin(browser)).callback);
      const res = await browser.send("POST", callback.pathname, {
        rawBody: callback.searchParams.toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      expect(res.status).toBe(200);
      expect(res.body.user.email).toBe("ada@example.com");
    });

    it("successRedirect and failureRedirect send the browser to pages (303), keeping the session cookie", async () => {
      const t = setup({ successRedirect: "/home", failureRedirect: "/login?from=social" });
      const browser = t.browser();
      const ok = await browser.send("GET", (await startLogin(browser)).callback);
      expect(ok.status).toBe(303);
      expect(ok.headers.get("location")).toBe("/home");
      expect((await browser.send("GET", "/api/whoami")).body.user.email).toBe("ada@example.com");
      const failed = await t.browser().send("GET", "/api/auth/social/test/callback?code=x&state=y");
      expect(failed.status).toBe(303);
      expect(failed.headers.get("location")).toBe("/login?from=social&error=INVALID_STATE");
    });

    it("a custom resolveUser decides the account; returning null refuses the login", async () => {
      const users = memoryUsers();
      const staff = await users.add("staff@example.com");
      const t = setup(
        {
          resolveUser: async (profile) => ((profile as { id: string }).id === "4242" ? users.getById(staff.id) : null),
        },
        { users },
      );
      const browser = t.browser();
      expect((await browser.send("GET", (await startLogin(browser)).callback)).body.user.id).toBe(staff.id);
      provider.user = { ...provider.user, id: 7 };
      const other = t.browser();
      expectProblem(await other.send("GET", (await startLogin(other)).callback), 401, "SOCIAL_LOGIN_FAILED");
    });

    it("rejects callbacks with junk, oversized bodies or provider errors as 4xx problems", async () => {
      const t = setup();
      const browser = t.browser();
      expectProblem(await browser.send("GET", "/api/auth/social/test/callback"), 400, "INVALID_STATE");
      expectProblem(
        await browser.send("GET", `/api/auth/social/test/callback?state=${"x".repeat(5000)}`),
        400,
        "INVALID_STATE",
      );
      expectProblem(
        await browser.send("POST", "/api/auth/social/test/callback", {
          rawBody: "x".repeat(70_000),
          headers: { "content-type": "application/x-www-form-urlencoded" },
        }),
        413,
        "PAYLOAD_TOO_LARGE",
      );
      expectProblem(await browser.send("GET", "/api/auth/social/nope"), 404, "NOT_FOUND");
      expect(provider.tokenRequests).toBe(0);
    });
  });
}

describe("fromPassport arguments", () => {
  it("refuses a bad provider name or an object that is not a strategy", () => {
    expect(() => fromPassport(strategy(), { name: "bad name/../" })).toThrow(/name/);
    expect(() => fromPassport({} as never, { name: "ok" })).toThrow(/authenticate/);
  });
});
