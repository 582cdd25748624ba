/**
 * The link-based auth features with no `sendEmail` of the app's own: they send through the adapter
 * registered with covara/email's `setGlobalEmail` (here the development adapter, which keeps what it
 * was given), built with `createEmail` in the registered theme, and the link in the HTML works.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emailVerification, magicLinks, passwordReset } from "../../../src/auth";
import {
  createDevelopmentEmailAdapter,
  setGlobalEmail,
  type DevelopmentEmailAdapter,
  type StoredEmail,
} from "../../../src/email";
import { FAST_HASH, featureApp, kvBackends, memoryUsers } from "./helpers/auth-app";

const memory = kvBackends[0]!;
let opened: Awaited<ReturnType<typeof memory.open>>;
let outbox: DevelopmentEmailAdapter;

beforeEach(async () => {
  opened = await memory.open();
  outbox = createDevelopmentEmailAdapter();
  setGlobalEmail(outbox, { from: "Acme <no-reply@acme.example>", theme: { brandColor: "#0f766e" } });
});
afterEach(async () => {
  setGlobalEmail(undefined);
  await opened.close();
});

/** The button's link in the HTML, unescaped, as a mail client would open it. */
function linkIn(email: StoredEmail): string {
  const href = /<a href="([^"]+)"/.exec(email.html ?? "")?.[1];
  expect(href).toBeDefined();
  return href!.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

function tokenIn(email: StoredEmail): string {
  return new URL(linkIn(email)).searchParams.get("token")!;
}

describe("auth features send through the global email adapter", () => {
  it("magic link: the message is built with the theme, from the default sender, and its link signs in", async () => {
    const users = memoryUsers();
    await users.add("ada@example.com");
    const t = await featureApp(opened, [magicLinks({ signUp: false })], { users, sendEmail: undefined });
    const browser = t.browser();
    await browser.send("POST", "/api/auth/magic-link/request", { body: { email: "ada@example.com" } });
    await browser.settle();

    expect(outbox.messages).toHaveLength(1);
    const email = outbox.latest("ada@example.com")!;
    expect(email.from).toEqual({ email: "no-reply@acme.example", name: "Acme" });
    expect(email.to).toEqual([{ email: "ada@example.com" }]);
    expect(email.subject).toBe("Your sign-in link");
    expect(email.html).toContain('<table role="presentation"');
    expect(email.html).toContain("background-color:#0f766e");
    expect(email.html).toContain(">Sign in</a>");
    const link = linkIn(email);
    expect(link).toMatch(/^http:\/\/localhost\/api\/auth\/magic-link\/verify\?token=/);
    expect(email.text).toContain(link);

    const visitor = t.browser();
    const signed = await visitor.send("GET", new URL(link).pathname + new URL(link).search);
    expect(signed.status).toBe(200);
    expect(signed.body.user.email).toBe("ada@example.com");
    // The app's own outbox (its sendEmail) was not used.
    expect(t.outbox).toHaveLength(0);
  });

  it("email verification: the link in the message verifies the address", async () => {
    const t = await featureApp(opened, [emailVerification()], { sendEmail: undefined });
    const signup = await t.browser().send("POST", "/api/auth/signup", {
      body: { email: "grace@example.com", password: "correct horse battery staple 42" },
    });
    expect(signup.status).toBe(201);
    const email = outbox.latest("grace@example.com")!;
    expect(email.subject).toMatch(/verify/i);
    const link = new URL(linkIn(email));
    const res = await t.browser().send("GET", link.pathname + link.search);
    expect(res.status).toBeLessThan(400);
    expect(t.users.rows.get(signup.body.user.id)!.emailVerified).toBeInstanceOf(Date);
  });

  it("password reset: the token in the message's link sets a new password", async () => {
    const users = memoryUsers();
    await users.add("ada@example.com", "old password that is long enough", { name: "Ada" });
    const t = await featureApp(opened, [passwordReset({ hash: FAST_HASH })], { users, sendEmail: undefined });
    const browser = t.browser();
    await browser.send("POST", "/api/auth/password-reset/request", { body: { email: "ada@example.com" } });
    await browser.settle();
    const email = outbox.latest("ada@example.com")!;
    const confirm = await t.browser().send("POST", "/api/auth/password-reset/confirm", {
      body: { token: tokenIn(email), password: "a brand new long passphrase" },
    });
    expect(confirm.status).toBeLessThan(300);
    const login = await t
      .browser()
      .send("POST", "/api/auth/login", { body: { email: "ada@example.com", password: "a brand new long passphrase" } });
    expect(login.status).toBe(200);
  });

  it("an app's own sendEmail still wins over the global adapter", async () => {
    const users = memoryUsers();
    await users.add("ada@example.com");
    const t = await featureApp(opened, [magicLinks({ signUp: false })], { users });
    const browser = t.browser();
    await browser.send("POST", "/api/auth/magic-link/request", { body: { email: "ada@example.com" } });
    await browser.settle();
    expect(t.outbox).toHaveLength(1);
    expect(outbox.messages).toHaveLength(0);
  });

  it("a buildUrl with a custom scheme (a mobile deep link) is shown as text, not refused", async () => {
    const users = memoryUsers();
    await users.add("ada@example.com");
    const t = await featureApp(
      opened,
      [magicLinks({ signUp: false, buildUrl: (token) => `acme://sign-in?token=${token}` })],
      { users, sendEmail: undefined },
    );
    const browser = t.browser();
    await browser.send("POST", "/api/auth/magic-link/request", { body: { email: "ada@example.com" } });
    await browser.settle();
    const email = outbox.latest()!;
    expect(email.html).not.toContain("<a href");
    expect(email.html).toContain("acme://sign-in?token=");
    expect(email.text).toContain("acme://sign-in?token=");
  });
});
