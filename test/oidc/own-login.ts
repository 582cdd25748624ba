/** A provider with its own login (email + password backend) and a client that needs consent, plus the browser steps through its pages. */
import { expect } from "vitest";
import type { OIDCProviderOptions, OIDCUser } from "../../src/oidc";
import { type Browser, formAction, hiddenField, locationOf } from "./browser";
import { authorizationRequest, CALLBACK, DEFAULT_CLIENTS, LOCAL_ISSUER, localApp, USERS } from "./provider-app";

export const PASSWORDS: Record<string, string> = {
  "alice@example.com": "correct horse battery",
  "bob@example.com": "bob's password",
};

export const THIRD_PARTY = {
  id: "third",
  name: "Third <b>Party</b> App",
  redirectUris: [CALLBACK],
  tokenEndpointAuthMethod: "none" as const,
  postLogoutRedirectUris: ["https://rp.example.com/signed-out"],
};

/** A provider with the email + password backend and a client that needs consent. */
export function ownLoginApp(options: Partial<OIDCProviderOptions> = {}) {
  return localApp(ownLoginOptions(options));
}

/** The options of `ownLoginApp`, for a provider served on a real port. */
export function ownLoginOptions(options: Partial<OIDCProviderOptions> = {}): Partial<OIDCProviderOptions> {
  return {
    clients: [...DEFAULT_CLIENTS, THIRD_PARTY],
    backends: {
      emailPassword: {
        validateUser: (email: string, password: string): OIDCUser | null => {
          const user = Object.values(USERS).find((candidate) => candidate.email === email);
          return user && PASSWORDS[email] === password ? user : null;
        },
      },
    },
    ...options,
  };
}

export function authorizeUrl(params: Record<string, string> = {}): Promise<string> {
  return authorizationRequest(LOCAL_ISSUER, {
    client_id: "third",
    scope: "openid profile email offline_access",
    state: "st-1",
    nonce: "n-1",
    ...params,
  });
}

/** Runs the login form; returns the response to the POST. */
export async function signIn(
  browser: Browser,
  loginPage: URL,
  email = "alice@example.com",
  password = PASSWORDS[email]!,
): Promise<Response> {
  const page = await browser.get(loginPage);
  expect(page.status).toBe(200);
  const html = await page.text();
  return browser.postForm(formAction(html), { csrf: hiddenField(html, "csrf"), email, password });
}

/** Allows (or denies) on the consent page; returns the response to the POST. */
export async function decide(
  browser: Browser,
  consentPage: URL,
  decision: "allow" | "deny" = "allow",
): Promise<Response> {
  const page = await browser.get(consentPage);
  expect(page.status).toBe(200);
  const html = await page.text();
  return browser.postForm(formAction(html), { csrf: hiddenField(html, "csrf"), decision });
}

/** Signs in and consents from scratch; returns the code redirect. */
export async function loginAndConsent(browser: Browser, params: Record<string, string> = {}): Promise<URL> {
  const login = locationOf(await browser.get(await authorizeUrl(params)), LOCAL_ISSUER);
  const consent = locationOf(await signIn(browser, login), LOCAL_ISSUER);
  return locationOf(await decide(browser, consent), LOCAL_ISSUER);
}
