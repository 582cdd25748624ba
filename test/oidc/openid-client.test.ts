/**
 * Acceptance: openid-client v6, a certified relying-party library, runs the whole flow against
 * the provider on a real loopback port. The browser step is plain fetch with a signed-in user.
 */
import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CovaraServer } from "../../src/node";
import { Browser, locationOf } from "./browser";
import { decide, ownLoginOptions, signIn } from "./own-login";
import { CALLBACK, servedApp } from "./provider-app";

let server: CovaraServer;
let issuer: string;

beforeAll(async () => {
  ({ server, issuer } = await servedApp());
});
afterAll(async () => {
  await server?.close();
});

/** The browser: follows /authorize while signed in as `user` and returns the callback URL. */
async function browserAuthorize(url: URL, user: string): Promise<URL> {
  const response = await fetch(url, { redirect: "manual", headers: { "x-test-user": user } });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get("location")!);
  expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
  return location;
}

describe("openid-client v6 against the provider", () => {
  it("Discovery support: /.well-known/openid-configuration endpoint provided — and the full code + PKCE flow, userinfo and refresh rotation pass openid-client", async () => {
    const config = await client.discovery(
      new URL(issuer),
      "web",
      "web-secret-0123456789",
      client.ClientSecretBasic("web-secret-0123456789"),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(issuer);
    expect(metadata.code_challenge_methods_supported).toEqual(["S256"]);

    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: "openid profile email",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    const callback = await browserAuthorize(authorizationUrl, "alice");
    expect(callback.searchParams.get("state")).toBe(state);

    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe("alice");
    expect(claims.nonce).toBe(nonce);
    expect(claims.aud).toBe("web");
    expect(typeof claims.at_hash).toBe("string");
    expect(tokens.refresh_token).toBeTypeOf("string");

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, "alice");
    expect(userinfo).toMatchObject({ sub: "alice", email: "alice@example.com", email_verified: true, name: "Alice" });

    // The access token also opens the app's own API through the provider's middleware.
    const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { id: string } }).user.id).toBe("alice");

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTypeOf("string");
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()?.sub).toBe("alice");
    await expect(client.fetchUserInfo(config, refreshed.access_token, "alice")).resolves.toMatchObject({
      sub: "alice",
    });

    // The rotated-away token is now spent: presenting it again is refused by openid-client's server.
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });

  it("Revocation (RFC 7009) and Introspection (RFC 7662) through openid-client", async () => {
    const config = await client.discovery(
      new URL(issuer),
      "web",
      "web-secret-0123456789",
      client.ClientSecretBasic("web-secret-0123456789"),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: "openid",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    });
    const tokens = await client.authorizationCodeGrant(config, await browserAuthorize(url, "alice"), {
      pkceCodeVerifier: verifier,
    });
    await expect(client.tokenIntrospection(config, tokens.refresh_token!)).resolves.toMatchObject({
      active: true,
      sub: "alice",
    });
    await client.tokenRevocation(config, tokens.refresh_token!);
    await expect(client.tokenIntrospection(config, tokens.refresh_token!)).resolves.toMatchObject({ active: false });
    await expect(client.tokenIntrospection(config, tokens.access_token)).resolves.toMatchObject({ active: false });
  });

  it("PKCE required: Public clients must use PKCE (code_challenge) — a public client completes the flow with client auth none", async () => {
    const config = await client.discovery(new URL(issuer), "spa", undefined, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: "openid",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      nonce,
    });
    const callback = await browserAuthorize(url, "bob");
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()?.sub).toBe("bob");
  });

  it("client_credentials through openid-client, with client_secret_basic", async () => {
    const config = await client.discovery(
      new URL(issuer),
      "web",
      "web-secret-0123456789",
      client.ClientSecretBasic("web-secret-0123456789"),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const tokens = await client.clientCredentialsGrant(config, { scope: "profile" });
    expect(tokens.id_token).toBeUndefined();
    const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(((await me.json()) as { user: { id: string; isClient: boolean } }).user).toMatchObject({
      id: "web",
      isClient: true,
    });
  });
});

describe("openid-client v6 through the provider's own login, consent and logout pages", () => {
  it("discovery, the login page, consent, code + PKCE, userinfo, and RP-initiated logout via buildEndSessionUrl", async () => {
    const served = await servedApp(ownLoginOptions());
    try {
      const config = await client.discovery(new URL(served.issuer), "third", undefined, client.None(), {
        execute: [client.allowInsecureRequests],
      });
      expect(config.serverMetadata().end_session_endpoint).toBe(`${served.issuer}/logout`);
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: "openid email",
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
        nonce,
        login_hint: "alice@example.com",
      });
      // The browser: real HTTP with a cookie jar, through the login and consent pages.
      const browser = new Browser();
      const login = locationOf(await browser.get(url), served.issuer);
      const consent = locationOf(await signIn(browser, login), served.issuer);
      const callback = locationOf(await decide(browser, consent), served.issuer);
      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      expect(tokens.claims()?.sub).toBe("alice");
      await expect(client.fetchUserInfo(config, tokens.access_token, "alice")).resolves.toMatchObject({
        email: "alice@example.com",
      });

      const endSession = client.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: "https://rp.example.com/signed-out",
        state: "after-logout",
      });
      const loggedOut = locationOf(await browser.get(endSession), served.issuer);
      expect(loggedOut.toString()).toBe("https://rp.example.com/signed-out?state=after-logout");
      // Signed out: a silent authorization now needs a login.
      const silent = client.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: "openid",
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        prompt: "none",
      });
      expect(locationOf(await browser.get(silent), served.issuer).searchParams.get("error")).toBe("login_required");
    } finally {
      await served.server.close();
    }
  });
});
