/**
 * The provider's login page and federated profiles apply the same email rule as /signup and
 * /login (the shared table): a malformed address is refused with 400 and never looked up, and an
 * upstream's malformed address is not handed on as the profile's email.
 */
import { describe, expect, it } from "vitest";
import type { OIDCUser } from "../../src/oidc";
import { profileFromPassport } from "../../src/oidc/federation/passport-profile";
import { BAD_ADDRESSES, GOOD_ADDRESSES } from "../helpers/email-addresses";
import { Browser, formAction, hiddenField, locationOf } from "./browser";
import { authorizeUrl, ownLoginApp } from "./own-login";
import { LOCAL_ISSUER } from "./provider-app";

describe("the login page's email rule", () => {
  it("refuses every bad address with 400 without asking the backend, and passes every good one on", async () => {
    const looked: string[] = [];
    const { app } = ownLoginApp({
      backends: {
        emailPassword: {
          validateUser: (email: string): OIDCUser | null => {
            looked.push(email);
            return null;
          },
        },
      },
      // Many attempts from one test peer: the sign-in throttle is not what this test is about.
      security: { loginThrottle: false },
    });
    const browser = new Browser((url, init) => app.request(url, init));
    const login = locationOf(await browser.get(await authorizeUrl()), LOCAL_ISSUER);
    const html = await (await browser.get(login)).text();
    const submit = (email: string) =>
      browser.postForm(formAction(html), { csrf: hiddenField(html, "csrf"), email, password: "a password" });

    for (const [what, address] of BAD_ADDRESSES) {
      const response = await submit(address);
      expect(response.status, what).toBe(400);
      const page = await response.text();
      expect(page).toContain("Enter a valid email address.");
      // The refused address is not echoed back into the page.
      expect(page).not.toContain("ada\u0000");
    }
    expect(looked).toEqual([]);

    for (const address of GOOD_ADDRESSES) expect((await submit(address)).status, address).toBe(401);
    expect(looked).toEqual(GOOD_ADDRESSES);
  });
});

describe("federated profiles", () => {
  it("keep a good upstream address and drop a bad one (the raw profile still holds it)", () => {
    for (const address of GOOD_ADDRESSES) {
      expect(profileFromPassport("up", { id: 1, emails: [{ value: address, verified: true }] })?.email).toBe(
        address.toLowerCase(),
      );
    }
    for (const [what, address] of BAD_ADDRESSES) {
      const profile = profileFromPassport("up", { id: 1, emails: [{ value: address, verified: true }] });
      expect(profile?.email, what).toBeUndefined();
      expect(profile?.emailVerified, what).toBeUndefined();
    }
  });
});
