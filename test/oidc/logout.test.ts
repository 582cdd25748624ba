/**
 * RP-initiated logout: an id_token_hint signs the user out at once and returns them to a
 * registered post_logout_redirect_uri with their state; without a hint the user confirms on a
 * page first; unregistered return URIs are refused before any redirect.
 */
import { describe, expect, it } from "vitest";
import { Browser, hiddenField, locationOf } from "./browser";
import { authorizeUrl, loginAndConsent, ownLoginApp, signIn } from "./own-login";
import { CALLBACK, LOCAL_ISSUER, postForm, VERIFIER } from "./provider-app";

const SIGNED_OUT = "https://rp.example.com/signed-out";

async function signedInBrowser(options: Parameters<typeof ownLoginApp>[0] = {}) {
  const { app } = ownLoginApp(options);
  const browser = new Browser((url, init) => app.request(url, init));
  const callback = await loginAndConsent(browser);
  const tokens = (await (
    await postForm(app, "/token", {
      grant_type: "authorization_code",
      client_id: "third",
      code: callback.searchParams.get("code")!,
      redirect_uri: CALLBACK,
      code_verifier: VERIFIER,
    })
  ).json()) as { id_token: string; access_token: string };
  return { app, browser, tokens };
}

/** True when /authorize now needs a login (the session is gone). */
async function needsLogin(browser: Browser): Promise<boolean> {
  const response = await browser.get(await authorizeUrl({ prompt: "none" }));
  return locationOf(response, LOCAL_ISSUER).searchParams.get("error") === "login_required";
}

describe("RP-initiated logout", () => {
  it("an id_token_hint signs out at once and returns to the registered post_logout_redirect_uri with state", async () => {
    const loggedOut: string[] = [];
    const { browser, tokens } = await signedInBrowser({ onLogout: (id) => void loggedOut.push(id) });
    expect(await needsLogin(browser)).toBe(false);
    const query = new URLSearchParams({
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: SIGNED_OUT,
      state: "bye",
    });
    const response = await browser.get(`${LOCAL_ISSUER}/logout?${query}`);
    expect(response.status).toBe(302);
    const target = locationOf(response, LOCAL_ISSUER);
    expect(`${target.origin}${target.pathname}`).toBe(SIGNED_OUT);
    expect(target.searchParams.get("state")).toBe("bye");
    expect(await needsLogin(browser)).toBe(true);
    expect(loggedOut).toEqual(["alice"]);
  });

  it("without a hint the user confirms on a page, and the confirmation works once", async () => {
    const { browser } = await signedInBrowser();
    const page = await browser.get(
      `${LOCAL_ISSUER}/logout?client_id=third&post_logout_redirect_uri=${encodeURIComponent(SIGNED_OUT)}`,
    );
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    // Showing the page signs nobody out: a cross-site link or image cannot end the session.
    expect(await needsLogin(browser)).toBe(false);
    const xsrf = hiddenField(await page.text(), "xsrf");
    const confirmed = await browser.postForm(`${LOCAL_ISSUER}/logout`, { xsrf, logout: "yes" });
    expect(confirmed.status).toBe(303);
    expect(locationOf(confirmed, LOCAL_ISSUER).toString()).toBe(SIGNED_OUT);
    expect(await needsLogin(browser)).toBe(true);
    const replayed = await browser.postForm(`${LOCAL_ISSUER}/logout`, { xsrf, logout: "yes" });
    expect(replayed.status).toBe(400);
  });

  it("with neither hint nor return URI, the signed-out page is shown", async () => {
    const { browser } = await signedInBrowser();
    const xsrf = hiddenField(await (await browser.get(`${LOCAL_ISSUER}/logout`)).text(), "xsrf");
    const done = await browser.postForm(`${LOCAL_ISSUER}/logout`, { xsrf });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("You are signed out");
  });

  it("refuses an unregistered post_logout_redirect_uri, a forged hint and a mismatched client before any redirect", async () => {
    const { browser, tokens } = await signedInBrowser();
    const attempts: Array<Record<string, string>> = [
      { id_token_hint: tokens.id_token, post_logout_redirect_uri: "https://evil.example/" },
      { id_token_hint: tokens.id_token, post_logout_redirect_uri: `${SIGNED_OUT}/../x` },
      { client_id: "third", post_logout_redirect_uri: "https://rp.example.com/signed-out?x=1" },
      { post_logout_redirect_uri: SIGNED_OUT },
      { id_token_hint: `${tokens.id_token.slice(0, -4)}AAAA` },
      { id_token_hint: tokens.access_token },
      { id_token_hint: tokens.id_token, client_id: "spa" },
    ];
    for (const params of attempts) {
      const response = await browser.get(`${LOCAL_ISSUER}/logout?${new URLSearchParams(params)}`);
      expect(response.status, JSON.stringify(params)).toBe(400);
      expect(response.headers.get("location")).toBeNull();
      expect(((await response.json()) as { error: string }).error).toBe("invalid_request");
    }
    expect(await needsLogin(browser)).toBe(false);
  });

  it("a hint for another user than the signed-in one asks for confirmation instead", async () => {
    const { app, tokens } = await signedInBrowser();
    const bob = new Browser((url, init) => app.request(url, init));
    const login = locationOf(await bob.get(await authorizeUrl()), LOCAL_ISSUER);
    await signIn(bob, login, "bob@example.com", "bob's password");
    const response = await bob.get(`${LOCAL_ISSUER}/logout?${new URLSearchParams({ id_token_hint: tokens.id_token })}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Sign out?");
  });

  it("POST /logout with the same parameters works like GET", async () => {
    const { browser, tokens } = await signedInBrowser();
    const response = await browser.postForm(`${LOCAL_ISSUER}/logout`, {
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: SIGNED_OUT,
    });
    expect(response.status).toBe(303);
    expect(await needsLogin(browser)).toBe(true);
  });
});
