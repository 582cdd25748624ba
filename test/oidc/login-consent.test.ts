/**
 * The provider's own sign-in: the default login page (email + password backend), consent with a
 * TTL and revocation, prompt and max_age handling, and the browser binding and CSRF checks that
 * keep an interaction to the browser that started it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { escapeHtml } from "../../src/oidc";
import { Browser, locationOf } from "./browser";
import { authorizeUrl, decide, loginAndConsent, ownLoginApp, PASSWORDS, signIn } from "./own-login";
import { CALLBACK, LOCAL_ISSUER, postForm, VERIFIER } from "./provider-app";

function redeem(app: ReturnType<typeof ownLoginApp>["app"], code: string) {
  return postForm(app, "/token", {
    grant_type: "authorization_code",
    client_id: "third",
    code,
    redirect_uri: CALLBACK,
    code_verifier: VERIFIER,
  });
}

function idTokenClaims(idToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(idToken.split(".")[1]!, "base64url").toString());
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the default login page", () => {
  it("an unsigned visitor is sent to the login page, signs in, consents and gets the code redirect", async () => {
    const { app } = ownLoginApp();
    const browser = new Browser((url, init) => app.request(url, init));
    const toLogin = await browser.get(await authorizeUrl());
    expect(toLogin.status).toBe(302);
    const login = locationOf(toLogin, LOCAL_ISSUER);
    expect(login.pathname).toMatch(/^\/oidc\/interaction\/[\w-]+$/);

    const page = await browser.get(login);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("cache-control")).toBe("no-store");

    const toConsent = await signIn(browser, login);
    expect(toConsent.status).toBe(303);
    const consent = locationOf(toConsent, LOCAL_ISSUER);
    expect(consent.pathname).toBe(`${login.pathname}/consent`);
    const consentHtml = await (await browser.get(consent)).text();
    expect(consentHtml).toContain("See your email address");
    expect(consentHtml).toContain("alice@example.com");

    const callback = locationOf(await decide(browser, consent), LOCAL_ISSUER);
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get("state")).toBe("st-1");
    expect(callback.searchParams.get("iss")).toBe(LOCAL_ISSUER);
    const tokens = (await (await redeem(app, callback.searchParams.get("code")!)).json()) as {
      id_token: string;
      access_token: string;
    };
    const claims = idTokenClaims(tokens.id_token);
    expect(claims).toMatchObject({ sub: "alice", aud: "third", nonce: "n-1" });
    expect(typeof claims.auth_time).toBe("number");
  });

  it("a wrong password re-renders the page with a 401 and signs nobody in", async () => {
    const { app } = ownLoginApp();
    const browser = new Browser((url, init) => app.request(url, init));
    const login = locationOf(await browser.get(await authorizeUrl()), LOCAL_ISSUER);
    const failed = await signIn(browser, login, "alice@example.com", "wrong");
    expect(failed.status).toBe(401);
    expect(await failed.text()).toContain("The email or password is incorrect.");
    expect(browser.cookies("provider.test").has("covara_oidc_session")).toBe(false);
    // Unknown users get the very same answer.
    const unknown = await signIn(browser, login, "nobody@example.com", "whatever");
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).toContain("The email or password is incorrect.");
  });

  it("a signed-in user with consent gets the code at once; the session is the provider's own", async () => {
    const { app } = ownLoginApp();
    const browser = new Browser((url, init) => app.request(url, init));
    await loginAndConsent(browser);
    const again = await browser.get(await authorizeUrl({ state: "st-2" }));
    expect(again.status).toBe(302);
    const callback = locationOf(again, LOCAL_ISSUER);
    expect(callback.searchParams.get("code")).toBeTruthy();
    expect(callback.searchParams.get("state")).toBe("st-2");
    // A narrower request is covered by the consent already given.
    expect((await browser.get(await authorizeUrl({ scope: "openid" }))).headers.get("location")).toContain("code=");
  });

  it("login_hint escaping: dynamic values in the default login template are HTML-escaped", async () => {
    const { app } = ownLoginApp();
    const browser = new Browser((url, init) => app.request(url, init));
    const attack = `"><script>alert(document.cookie)</script><input value="`;
    const login = locationOf(await browser.get(await authorizeUrl({ login_hint: attack })), LOCAL_ISSUER);
    const html = await (await browser.get(login)).text();
    expect(html).not.toContain("<script>");
    expect(html).not.toContain(attack);
    expect(html).toContain("&#34;&#62;&#60;script&#62;alert(document.cookie)&#60;/script&#62;");
    // The client's name is a dynamic value too.
    expect(html).toContain("Third &#60;b&#62;Party&#60;/b&#62; App");
    // A markup "address" is not an email address: refused (400) and not echoed back at all.
    const refused = await signIn(browser, login, `<img src=x onerror=alert(1)>`, "x");
    expect(refused.status).toBe(400);
    const refusedHtml = await refused.text();
    expect(refusedHtml).not.toContain("<img");
    expect(refusedHtml).not.toContain("onerror");
    // A well-formed address echoed back after a failed attempt is escaped too.
    const failed = await signIn(browser, login, "o'brien@example.ie", "x");
    expect(failed.status).toBe(401);
    expect(await failed.text()).toContain("o&#39;brien@example.ie");
  });

  it("an interaction belongs to the browser that started it, and its forms carry a CSRF token", async () => {
    const { app } = ownLoginApp();
    const victim = new Browser((url, init) => app.request(url, init));
    const login = locationOf(await victim.get(await authorizeUrl()), LOCAL_ISSUER);
    const stranger = new Browser((url, init) => app.request(url, init));
    const foreign = await stranger.get(login);
    expect(foreign.status).toBe(400);
    expect(((await foreign.json()) as { code: string }).code).toBe("INTERACTION_EXPIRED");
    const forged = await victim.postForm(`${login}/login`, {
      csrf: "forged",
      email: "alice@example.com",
      password: PASSWORDS["alice@example.com"]!,
    });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { code: string }).code).toBe("CSRF_REJECTED");
    expect((await victim.get(`${LOCAL_ISSUER}/interaction/not-an-interaction`)).status).toBe(400);
  });

  it("pages.login and pages.consent replace the default pages; their forms post the same fields", async () => {
    const views: unknown[] = [];
    const { app } = ownLoginApp({
      pages: {
        login: (view) => {
          views.push(view);
          return `<!doctype html><form method="post" action="${escapeHtml(view.action)}"><input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}"><p>Custom ${escapeHtml(view.clientName)}</p></form>`;
        },
        consent: (view) =>
          `<!doctype html><form method="post" action="${escapeHtml(view.action)}"><input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">${view.scopes.map((scope) => escapeHtml(scope.name)).join(",")}</form>`,
      },
    });
    const browser = new Browser((url, init) => app.request(url, init));
    const login = locationOf(await browser.get(await authorizeUrl({ login_hint: "alice@example.com" })), LOCAL_ISSUER);
    const page = await browser.get(login);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await page.text()).toContain("Custom Third &#60;b&#62;Party&#60;/b&#62; App");
    expect(views[0]).toMatchObject({ loginHint: "alice@example.com", emailPassword: true, upstreams: [] });
    const consent = locationOf(await signIn(browser, login), LOCAL_ISSUER);
    expect(await (await browser.get(consent)).text()).toContain("openid,profile,email,offline_access");
    expect(locationOf(await decide(browser, consent), LOCAL_ISSUER).searchParams.get("code")).toBeTruthy();
  });

  it("failed logins are throttled per client address", async () => {
    const { app } = ownLoginApp({ security: { loginThrottle: { max: 3, windowSeconds: 60 } } });
    const browser = new Browser((url, init) => app.request(url, init));
    const login = locationOf(await browser.get(await authorizeUrl()), LOCAL_ISSUER);
    for (let attempt = 0; attempt < 3; attempt++)
      expect((await signIn(browser, login, "alice@example.com", "nope")).status).toBe(401);
    const blocked = await signIn(browser, login);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});

describe("prompt and max_age", () => {
  it("prompt=none answers login_required, then consent_required, through the redirect URI", async () => {
    const { app } = ownLoginApp();
    const browser = new Browser((url, init) => app.request(url, init));
    const anonymous = locationOf(await browser.get(await authorizeUrl({ prompt: "none" })), LOCAL_ISSUER);
    expect(anonymous.searchParams.get("error")).toBe("login_required");
    const login = locationOf(await browser.get(await authorizeUrl()), LOCAL_ISSUER);
    const consent = locationOf(await signIn(browser, login), LOCAL_ISSUER);
    expect(consent.pathname).toContain("/consent");
    const silent = locationOf(await browser.get(await authorizeUrl({ prompt: "none" })), LOCAL_ISSUER);
    expect(silent.searchParams.get("error")).toBe("consent_required");
    expect(silent.searchParams.get("state")).toBe("st-1");
  });

  it("prompt=login asks again even with a session; prompt=consent asks again even with consent", async () => {
    const { app } = ownLoginApp();
    const browser = new Browser((url, init) => app.request(url, init));
    await loginAndConsent(browser);
    const relogin = locationOf(await browser.get(await authorizeUrl({ prompt: "login" })), LOCAL_ISSUER);
    expect(relogin.pathname).toMatch(/\/interaction\/[\w-]+$/);
    // After the fresh login the consent already given suffices.
    expect(locationOf(await signIn(browser, relogin), LOCAL_ISSUER).searchParams.get("code")).toBeTruthy();
    const reconsent = locationOf(await browser.get(await authorizeUrl({ prompt: "consent" })), LOCAL_ISSUER);
    expect(reconsent.pathname).toMatch(/\/consent$/);
    expect(locationOf(await decide(browser, reconsent), LOCAL_ISSUER).searchParams.get("code")).toBeTruthy();
  });

  it("a session older than max_age needs a fresh login; bad prompt and max_age values are refused", async () => {
    const { app } = ownLoginApp();
    const browser = new Browser((url, init) => app.request(url, init));
    await loginAndConsent(browser);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 2000 });
    const fresh = locationOf(await browser.get(await authorizeUrl({ max_age: "1" })), LOCAL_ISSUER);
    expect(fresh.pathname).toMatch(/\/interaction\/[\w-]+$/);
    vi.useRealTimers();
    const refusals: Array<Record<string, string>> = [
      { prompt: "none login" },
      { prompt: "select_account" },
      { max_age: "-1" },
      { max_age: "soon" },
    ];
    for (const params of refusals) {
      const refused = locationOf(await browser.get(await authorizeUrl(params)), LOCAL_ISSUER);
      expect(refused.searchParams.get("error")).toBe("invalid_request");
    }
  });

  it("denying consent sends access_denied to the client", async () => {
    const { app } = ownLoginApp();
    const browser = new Browser((url, init) => app.request(url, init));
    const login = locationOf(await browser.get(await authorizeUrl()), LOCAL_ISSUER);
    const consent = locationOf(await signIn(browser, login), LOCAL_ISSUER);
    const denied = locationOf(await decide(browser, consent, "deny"), LOCAL_ISSUER);
    expect(denied.searchParams.get("error")).toBe("access_denied");
    expect(denied.searchParams.get("state")).toBe("st-1");
    // The interaction is spent.
    expect((await browser.get(consent)).status).toBe(400);
  });
});

describe("Consent revocation + TTL", () => {
  it("Consent revocation + TTL: POST /consent/revoke clears a user's consent (one client or all) for an authenticated session — and ends the client's tokens", async () => {
    const { app } = ownLoginApp();
    const browser = new Browser((url, init) => app.request(url, init));
    const callback = await loginAndConsent(browser);
    const tokens = (await (await redeem(app, callback.searchParams.get("code")!)).json()) as {
      access_token: string;
      refresh_token: string;
    };

    const listed = await browser.get(`${LOCAL_ISSUER}/consents`);
    expect(((await listed.json()) as { consents: Array<{ clientId: string; scopes: string[] }> }).consents).toEqual([
      expect.objectContaining({ clientId: "third", scopes: ["openid", "profile", "email", "offline_access"] }),
    ]);

    const revoked = await browser.request(`${LOCAL_ISSUER}/consent/revoke`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: "third" }),
    });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toEqual({ revoked: ["third"] });

    const silent = locationOf(await browser.get(await authorizeUrl({ prompt: "none" })), LOCAL_ISSUER);
    expect(silent.searchParams.get("error")).toBe("consent_required");
    const refresh = await postForm(app, "/token", {
      grant_type: "refresh_token",
      client_id: "third",
      refresh_token: tokens.refresh_token,
    });
    expect(refresh.status).toBe(400);
    expect(
      (await app.request("/oidc/userinfo", { headers: { authorization: `Bearer ${tokens.access_token}` } })).status,
    ).toBe(401);
  });

  it("Consent revocation + TTL: … one client or all — with no client_id every consent is cleared", async () => {
    const { app } = ownLoginApp();
    const browser = new Browser((url, init) => app.request(url, init));
    await loginAndConsent(browser);
    const all = await browser.request(`${LOCAL_ISSUER}/consent/revoke`, {
      method: "POST",
      headers: { origin: "http://provider.test" },
    });
    expect(await all.json()).toEqual({ revoked: ["third"] });
    expect(
      ((await (await browser.get(`${LOCAL_ISSUER}/consents`)).json()) as { consents: unknown[] }).consents,
    ).toEqual([]);
  });

  it("Consent revocation + TTL: … refused without a session, from another site, or with a malformed client_id", async () => {
    const { app } = ownLoginApp();
    const anonymous = await app.request("/oidc/consent/revoke", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(anonymous.status).toBe(401);
    const browser = new Browser((url, init) => app.request(url, init));
    await loginAndConsent(browser);
    const crossSite = await browser.postForm(
      `${LOCAL_ISSUER}/consent/revoke`,
      { client_id: "third" },
      { origin: "https://evil.example" },
    );
    expect(crossSite.status).toBe(403);
    const plainForm = await browser.postForm(`${LOCAL_ISSUER}/consent/revoke`, { client_id: "third" });
    expect(plainForm.status).toBe(403);
    const malformed = await browser.request(`${LOCAL_ISSUER}/consent/revoke`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: 42 }),
    });
    expect(malformed.status).toBe(400);
    expect(
      ((await (await browser.get(`${LOCAL_ISSUER}/consents`)).json()) as { consents: unknown[] }).consents,
    ).toHaveLength(1);
  });

  it("Consent revocation + TTL: … stored consents expire after security.consent.ttlSeconds", async () => {
    const { app } = ownLoginApp({ security: { consent: { ttlSeconds: 60 } } });
    const browser = new Browser((url, init) => app.request(url, init));
    await loginAndConsent(browser);
    expect(
      locationOf(await browser.get(await authorizeUrl({ prompt: "none" })), LOCAL_ISSUER).searchParams.get("code"),
    ).toBeTruthy();
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 61_000 });
    const expired = locationOf(await browser.get(await authorizeUrl({ prompt: "none" })), LOCAL_ISSUER);
    expect(expired.searchParams.get("error")).toBe("consent_required");
  });

  it("consents default to one year", async () => {
    const { app } = ownLoginApp();
    const browser = new Browser((url, init) => app.request(url, init));
    await loginAndConsent(browser);
    const { consents } = (await (await browser.get(`${LOCAL_ISSUER}/consents`)).json()) as {
      consents: Array<{ expiresAt: string }>;
    };
    const days = (Date.parse(consents[0]!.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThanOrEqual(365);
  });
});
