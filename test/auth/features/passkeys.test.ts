/**
 * Passkeys end to end through useAuth with a software authenticator that makes real P-256
 * credentials and signatures: registration, discoverable and by-email sign-in, single-use
 * challenges, the signature counter, management, and bad input — on the memory KV and Redis.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mfa, passkeys, type PasskeysOptions } from "../../../src/auth";
import { backendRuns, expectProblem, featureApp, kvBackends, memoryUsers, type Browser } from "./helpers/auth-app";
import { SoftwareAuthenticator } from "./helpers/software-authenticator";
import { TotpDevice } from "./helpers/totp-device";

const ORIGIN = "http://localhost";
const RP: PasskeysOptions = { rpID: "localhost", rpName: "Covara Test", origin: ORIGIN };
const PASSWORD = "correct horse battery staple";

for (const backend of kvBackends) {
  describe.runIf(await backendRuns(backend))(`passkeys on ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    beforeEach(async () => {
      opened = await backend.open();
    });
    afterEach(() => opened.close());

    async function setup(extraFeatures: Parameters<typeof featureApp>[1] = []) {
      const users = memoryUsers();
      await users.add("ada@example.com", PASSWORD, { name: "Ada" });
      await users.add("bob@example.com", PASSWORD);
      const t = featureApp(opened, [passkeys(RP), ...extraFeatures], { users });
      return t;
    }

    async function signedIn(t: Awaited<ReturnType<typeof setup>>, email = "ada@example.com"): Promise<Browser> {
      const browser = t.browser();
      expect((await browser.send("POST", "/api/auth/login", { body: { email, password: PASSWORD } })).status).toBe(200);
      return browser;
    }

    async function register(browser: Browser, authenticator: SoftwareAuthenticator, name?: string) {
      const options = await browser.send("POST", "/api/auth/passkeys/register/options");
      expect(options.status).toBe(200);
      const { response } = await authenticator.create(options.body);
      return browser.send("POST", "/api/auth/passkeys/register/verify", {
        body: { response, ...(name ? { name } : {}) },
      });
    }

    async function assertion(browser: Browser, authenticator: SoftwareAuthenticator, body?: unknown) {
      const options = await browser.send(
        "POST",
        "/api/auth/passkeys/authenticate/options",
        body === undefined ? {} : { body },
      );
      expect(options.status).toBe(200);
      return { options: options.body, response: await authenticator.get(options.body) };
    }

    it("registers a passkey for the signed-in user and signs in with it as a discoverable credential", async () => {
      const t = await setup();
      const ada = await signedIn(t);
      const authenticator = new SoftwareAuthenticator(ORIGIN);
      const registered = await register(ada, authenticator, "Laptop");
      expect(registered.status).toBe(201);
      expect(registered.body).toMatchObject({
        name: "Laptop",
        transports: ["internal"],
        deviceType: "singleDevice",
        backedUp: false,
        lastUsedAt: null,
      });
      expect(registered.body).not.toHaveProperty("publicKey");

      const options = await ada.send("POST", "/api/auth/passkeys/register/options");
      // The registered credential is excluded from a second registration.
      expect(options.body.excludeCredentials).toEqual([
        { id: registered.body.id, type: "public-key", transports: ["internal"] },
      ]);
      expect(options.body.user.name).toBe("ada@example.com");
      expect(options.body.rp).toEqual({ name: "Covara Test", id: "localhost" });

      const visitor = t.browser();
      const { options: request, response } = await assertion(visitor, authenticator);
      expect(request.allowCredentials ?? []).toEqual([]);
      const signed = await visitor.send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response } });
      expect(signed.status).toBe(200);
      expect(signed.body.user.email).toBe("ada@example.com");
      expect((await visitor.send("GET", "/api/whoami")).body.user.id).toBe("1");

      const listed = await ada.send("GET", "/api/auth/passkeys");
      expect(listed.body.passkeys).toHaveLength(1);
      expect(listed.body.passkeys[0].lastUsedAt).not.toBeNull();
    });

    it("signs in by email: options list the user's credentials, and an unknown email gets a stable decoy", async () => {
      const t = await setup();
      const ada = await signedIn(t);
      const authenticator = new SoftwareAuthenticator(ORIGIN);
      const id = (await register(ada, authenticator)).body.id;
      const visitor = t.browser();
      const { options, response } = await assertion(visitor, authenticator, { email: "ADA@example.com" });
      expect(options.allowCredentials).toEqual([{ id, type: "public-key", transports: ["internal"] }]);
      expect(
        (await visitor.send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response } })).status,
      ).toBe(200);

      // An address without passkeys (or without an account) looks like one with a single passkey.
      const unknown1 = await visitor.send("POST", "/api/auth/passkeys/authenticate/options", {
        body: { email: "nobody@example.com" },
      });
      const unknown2 = await visitor.send("POST", "/api/auth/passkeys/authenticate/options", {
        body: { email: "nobody@example.com" },
      });
      const noPasskeys = await visitor.send("POST", "/api/auth/passkeys/authenticate/options", {
        body: { email: "bob@example.com" },
      });
      expect(unknown1.status).toBe(200);
      expect(unknown1.body.allowCredentials).toHaveLength(1);
      expect(unknown1.body.allowCredentials).toEqual(unknown2.body.allowCredentials);
      expect(noPasskeys.body.allowCredentials).toHaveLength(1);
      expect(noPasskeys.body.allowCredentials[0].id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    });

    it("a replayed challenge fails: each challenge is single use", async () => {
      const t = await setup();
      const ada = await signedIn(t);
      const authenticator = new SoftwareAuthenticator(ORIGIN);

      const registrationOptions = await ada.send("POST", "/api/auth/passkeys/register/options");
      const { response: registration } = await authenticator.create(registrationOptions.body);
      expect(
        (await ada.send("POST", "/api/auth/passkeys/register/verify", { body: { response: registration } })).status,
      ).toBe(201);
      expectProblem(
        await ada.send("POST", "/api/auth/passkeys/register/verify", { body: { response: registration } }),
        400,
        "PASSKEY_REJECTED",
      );

      const visitor = t.browser();
      const { response } = await assertion(visitor, authenticator);
      expect(
        (await visitor.send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response } })).status,
      ).toBe(200);
      const replay = expectProblem(
        await t.browser().send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response } }),
        401,
        "PASSKEY_REJECTED",
      );
      expect(replay.detail).toMatch(/challenge/);
    });

    it("the signature counter is checked: an assertion that does not advance it is refused", async () => {
      const t = await setup();
      const ada = await signedIn(t);
      const authenticator = new SoftwareAuthenticator(ORIGIN);
      await register(ada, authenticator);
      const visitor = t.browser();
      const first = await assertion(visitor, authenticator);
      expect(
        (await visitor.send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response: first.response } }))
          .status,
      ).toBe(200);
      // A cloned authenticator would report the same (or a lower) counter with a fresh challenge.
      const options = (await visitor.send("POST", "/api/auth/passkeys/authenticate/options")).body;
      const cloned = await authenticator.get(options, { counter: 1 });
      const refused = expectProblem(
        await visitor.send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response: cloned } }),
        401,
        "PASSKEY_REJECTED",
      );
      expect(refused.detail).toMatch(/counter/);
    });

    it("challenges are bound to their ceremony and, for registration, to the user", async () => {
      const t = await setup();
      const ada = await signedIn(t);
      const bob = await signedIn(t, "bob@example.com");
      const authenticator = new SoftwareAuthenticator(ORIGIN);
      const adaOptions = (await ada.send("POST", "/api/auth/passkeys/register/options")).body;
      const { response } = await authenticator.create(adaOptions);
      expectProblem(
        await bob.send("POST", "/api/auth/passkeys/register/verify", { body: { response } }),
        400,
        "PASSKEY_REJECTED",
      );

      // An authentication challenge cannot complete a registration.
      const login = (await ada.send("POST", "/api/auth/passkeys/authenticate/options")).body;
      const { response: crossed } = await authenticator.create({ ...adaOptions, challenge: login.challenge });
      expectProblem(
        await ada.send("POST", "/api/auth/passkeys/register/verify", { body: { response: crossed } }),
        400,
        "PASSKEY_REJECTED",
      );
    });

    it("refuses a wrong origin, an unknown credential and a forged signature", async () => {
      const t = await setup();
      const ada = await signedIn(t);
      const authenticator = new SoftwareAuthenticator(ORIGIN);
      await register(ada, authenticator);
      const visitor = t.browser();

      const phished = await authenticator.get(
        (await visitor.send("POST", "/api/auth/passkeys/authenticate/options")).body,
        { origin: "https://evil.example" },
      );
      expectProblem(
        await visitor.send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response: phished } }),
        401,
        "PASSKEY_REJECTED",
      );

      const stranger = new SoftwareAuthenticator(ORIGIN);
      const strangerOptions = (await ada.send("POST", "/api/auth/passkeys/register/options")).body;
      await stranger.create(strangerOptions); // made but never registered with the server
      const unknownOptions = (await visitor.send("POST", "/api/auth/passkeys/authenticate/options")).body;
      const unknown = await stranger.get(unknownOptions);
      expectProblem(
        await visitor.send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response: unknown } }),
        401,
        "PASSKEY_REJECTED",
      );

      const options = (await visitor.send("POST", "/api/auth/passkeys/authenticate/options")).body;
      const genuine = await authenticator.get(options);
      const forged = { ...genuine, response: { ...genuine.response, signature: unknown.response.signature } };
      expectProblem(
        await visitor.send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response: forged } }),
        401,
        "PASSKEY_REJECTED",
      );
      expect((await visitor.send("GET", "/api/whoami")).body.user).toBeNull();
    });

    it("a user deletes their own passkey, which then no longer signs in; other users' passkeys are not found", async () => {
      const t = await setup();
      const ada = await signedIn(t);
      const bob = await signedIn(t, "bob@example.com");
      const authenticator = new SoftwareAuthenticator(ORIGIN);
      const id = (await register(ada, authenticator)).body.id;
      expectProblem(await bob.send("DELETE", `/api/auth/passkeys/${id}`), 404, "NOT_FOUND");
      expect((await ada.send("DELETE", `/api/auth/passkeys/${id}`)).status).toBe(204);
      expect((await ada.send("GET", "/api/auth/passkeys")).body.passkeys).toEqual([]);
      const visitor = t.browser();
      const { response } = await assertion(visitor, authenticator);
      expectProblem(
        await visitor.send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response } }),
        401,
        "PASSKEY_REJECTED",
      );
    });

    it("a passkey sign-in is not asked for the TOTP second factor a password sign-in needs", async () => {
      const t = await setup([mfa()]);
      const ada = await signedIn(t);
      const enrolled = await ada.send("POST", "/api/auth/mfa/enroll");
      const device = new TotpDevice(enrolled.body.secret);
      expect(
        (await ada.send("POST", "/api/auth/mfa/enroll/confirm", { body: { code: await device.next() } })).status,
      ).toBe(200);
      const authenticator = new SoftwareAuthenticator(ORIGIN);
      await register(ada, authenticator);
      const passwordOnly = await t
        .browser()
        .send("POST", "/api/auth/login", { body: { email: "ada@example.com", password: PASSWORD } });
      expectProblem(passwordOnly, 401, "MFA_REQUIRED");
      const visitor = t.browser();
      const { response } = await assertion(visitor, authenticator);
      expect(
        (await visitor.send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response } })).status,
      ).toBe(200);
    });

    it("rejects malformed bodies, missing fields, overlong inputs and anonymous registration with 4xx problems", async () => {
      const t = await setup();
      const anonymous = t.browser();
      expectProblem(await anonymous.send("POST", "/api/auth/passkeys/register/options"), 401, "UNAUTHORIZED");
      expectProblem(
        await anonymous.send("POST", "/api/auth/passkeys/register/verify", { body: { response: {} } }),
        401,
        "UNAUTHORIZED",
      );
      expectProblem(await anonymous.send("GET", "/api/auth/passkeys"), 401, "UNAUTHORIZED");
      const ada = await signedIn(t);
      expectProblem(
        await ada.send("POST", "/api/auth/passkeys/register/verify", {
          rawBody: "{",
          headers: { "content-type": "application/json" },
        }),
        400,
        "INVALID_JSON",
      );
      expectProblem(
        await ada.send("POST", "/api/auth/passkeys/register/verify", { body: { response: { id: "abc" } } }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await ada.send("POST", "/api/auth/passkeys/register/verify", { body: {} }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await anonymous.send("POST", "/api/auth/passkeys/authenticate/verify", {
          body: { response: { id: "a", rawId: "a", type: "password", response: {} } },
        }),
        400,
        "VALIDATION_ERROR",
      );
      const junk = {
        id: "a",
        rawId: "a",
        type: "public-key",
        response: { clientDataJSON: "!!!", authenticatorData: "a", signature: "a" },
      };
      expectProblem(
        await anonymous.send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response: junk } }),
        400,
        "VALIDATION_ERROR",
      );
      const garbage = {
        id: "a",
        rawId: "a",
        type: "public-key",
        response: { clientDataJSON: "bm90IGpzb24", authenticatorData: "a", signature: "a" },
      };
      expectProblem(
        await anonymous.send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response: garbage } }),
        401,
        "PASSKEY_REJECTED",
      );
      const huge = { ...garbage, response: { ...garbage.response, signature: "a".repeat(3000) } };
      expectProblem(
        await anonymous.send("POST", "/api/auth/passkeys/authenticate/verify", { body: { response: huge } }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await anonymous.send("POST", "/api/auth/passkeys/authenticate/options", { body: { email: "not-an-email" } }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await anonymous.send("POST", "/api/auth/passkeys/authenticate/options", {
          body: { email: `${"a".repeat(250)}@example.com` },
        }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await anonymous.send("POST", "/api/auth/passkeys/authenticate/verify", {
          body: { response: { ...garbage, pad: "x".repeat(70_000) } },
        }),
        413,
        "PAYLOAD_TOO_LARGE",
      );
      expectProblem(await ada.send("DELETE", `/api/auth/passkeys/${"a".repeat(2000)}`), 404, "NOT_FOUND");
    });
  });
}
