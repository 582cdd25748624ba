/**
 * `passkeys(options)`: WebAuthn registration for a signed-in user and passwordless sign-in, by
 * discoverable credential or by email. The ceremonies are verified by @simplewebauthn/server;
 * challenges live in the KV (short-lived, single use) and credentials in a `PasskeyStore`.
 */
import "../../problems";
import type {
  AuthenticationResponseJSON,
  RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import type { Context, Hono } from "hono";
import type { z } from "zod";
import { ProblemError } from "../../../kernel/errors";
import type { KV } from "../../../kernel/kv";
import type { CovaraEnv } from "../../../kernel/http";
import type { AuthFeature, AuthKit } from "../../types";
import { fromBase64Url, randomBytes, toBase64Url } from "../shared/crypto";
import { normalizeEmail, parseInput, readBody, requireSignedIn } from "../shared/request";
import { challengeOf, rememberChallenge, takeChallenge } from "./challenges";
import { createKVPasskeyStore, type PasskeyCredential, type PasskeyStore } from "./credential-store";
import { authenticationBody, authenticationOptionsBody, registrationBody } from "./schemas";

export interface PasskeysOptions {
  /** The relying party id: your site's domain, without scheme or port ("example.com"). */
  rpID: string;
  /** The name authenticators show ("Acme"). */
  rpName: string;
  /** The origin(s) ceremonies run on ("https://example.com"). */
  origin: string | string[];
  /** Where credentials live (default: the auth KV, see `createKVPasskeyStore`). */
  store?: PasskeyStore;
  /** How long a challenge stays valid (default 5 minutes). */
  challengeTtlMs?: number;
  /** User verification (PIN, biometrics) asked of the authenticator (default "preferred"). */
  userVerification?: "required" | "preferred" | "discouraged";
}

const MAX_BODY_BYTES = 64 * 1024;

/**
 * The WebAuthn library, loaded on the first ceremony: it (and the X.509 stack beneath it) is
 * most of what importing covara would otherwise cost, for apps that never use passkeys.
 */
const webauthn = () => import("@simplewebauthn/server");
/** WebAuthn caps user handles at 64 bytes. */
const MAX_USER_HANDLE_BYTES = 64;

function rejected(detail: string, status?: number): ProblemError {
  return new ProblemError("passkey-rejected", status === undefined ? { detail } : { detail, status });
}

function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(userId);
  if (bytes.length > MAX_USER_HANDLE_BYTES)
    throw new ProblemError("validation-error", {
      detail: "The user id is too long for a passkey user handle (64 bytes)",
    });
  return bytes;
}

/** The authentication-options body, validated; an empty POST counts as `{}`. */
async function readOptionalBody(c: Context): Promise<z.infer<typeof authenticationOptionsBody>> {
  const length = c.req.header("content-length");
  if (!c.req.header("content-type") && (length === undefined || length === "0"))
    return parseInput(authenticationOptionsBody, {});
  return readBody(c, authenticationOptionsBody);
}

/** Creates the passkeys feature. */
export function passkeys(options: PasskeysOptions): AuthFeature {
  const challengeTtlMs = options.challengeTtlMs ?? 5 * 60_000;
  const userVerification = options.userVerification ?? "preferred";
  // Decoy credential ids for unknown emails are keyed by this, so they stay stable per address.
  const decoyKey = crypto.subtle.importKey("raw", randomBytes(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  // One default store per KV, so a feature instance mounted in two apps keeps their data apart.
  const defaultStores = new WeakMap<KV, PasskeyStore>();
  const storeFor = (kit: AuthKit): PasskeyStore => {
    if (options.store) return options.store;
    let store = defaultStores.get(kit.kv);
    if (!store) defaultStores.set(kit.kv, (store = createKVPasskeyStore(kit.kv)));
    return store;
  };

  /** A stable fake credential id for an address with no passkeys, so "by email" leaks nothing. */
  async function decoyCredentialId(email: string): Promise<string> {
    const mac = await crypto.subtle.sign("HMAC", await decoyKey, new TextEncoder().encode(email));
    return toBase64Url(new Uint8Array(mac).slice(0, 16));
  }

  function mountRegistration(router: Hono<CovaraEnv>, kit: AuthKit): void {
    router.post("/passkeys/register/options", async (c) => {
      const user = await requireSignedIn(c, kit);
      const existing = await storeFor(kit).listByUser(String(user.id));
      const creation = await (await webauthn()).generateRegistrationOptions({
        rpName: options.rpName,
        rpID: options.rpID,
        userName: user.email ?? String(user.id),
        userDisplayName: user.name ?? user.email ?? "",
        userID: userHandleOf(String(user.id)),
        attestationType: "none",
        timeout: challengeTtlMs,
        excludeCredentials: existing.map((credential) => ({ id: credential.id, transports: credential.transports })),
        authenticatorSelection: { residentKey: "preferred", userVerification },
      });
      await rememberChallenge(
        kit.kv,
        creation.challenge,
        { ceremony: "registration", userId: String(user.id) },
        challengeTtlMs,
      );
      return c.json(creation);
    });

    router.post("/passkeys/register/verify", async (c) => {
      const user = await requireSignedIn(c, kit);
      const body = await readBody(c, registrationBody, MAX_BODY_BYTES);
      const challenge = challengeOf(body.response.response.clientDataJSON);
      const issued = challenge === null ? null : await takeChallenge(kit.kv, challenge);
      if (issued === null || issued.ceremony !== "registration" || issued.userId !== String(user.id)) {
        throw rejected("The registration challenge is unknown, expired or already used");
      }
      let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verification = await (await webauthn()).verifyRegistrationResponse({
          response: body.response as RegistrationResponseJSON,
          expectedChallenge: challenge!,
          expectedOrigin: options.origin,
          expectedRPID: options.rpID,
          requireUserVerification: userVerification === "required",
        });
      } catch (error) {
        throw rejected(`The registration response was rejected: ${(error as Error).message}`.slice(0, 300));
      }
      if (!verification.verified) throw rejected("The registration response could not be verified");
      const info = verification.registrationInfo;
      const credential: PasskeyCredential = {
        id: info.credential.id,
        userId: String(user.id),
        publicKey: toBase64Url(info.credential.publicKey),
        counter: info.credential.counter,
        transports: body.response.response.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        name: body.name ?? null,
        createdAt: Date.now(),
        lastUsedAt: null,
      };
      if (!(await storeFor(kit).create(credential)))
        throw new ProblemError("conflict", { detail: "This passkey is already registered" });
      return c.json(describe(credential), 201);
    });
  }

  function mountAuthentication(router: Hono<CovaraEnv>, kit: AuthKit): void {
    router.post("/passkeys/authenticate/options", async (c) => {
      const { email } = await readOptionalBody(c);
      let allowCredentials: { id: string; transports?: string[] }[] | undefined;
      if (email !== undefined) {
        const user = kit.users.findByEmail ? await kit.users.findByEmail(normalizeEmail(email)) : null;
        const credentials = user ? await storeFor(kit).listByUser(String(user.id)) : [];
        allowCredentials =
          credentials.length > 0
            ? credentials.map((credential) => ({ id: credential.id, transports: credential.transports }))
            : [{ id: await decoyCredentialId(normalizeEmail(email)) }];
      }
      const request = await (await webauthn()).generateAuthenticationOptions({
        rpID: options.rpID,
        userVerification,
        timeout: challengeTtlMs,
        ...(allowCredentials ? { allowCredentials } : {}),
      });
      await rememberChallenge(kit.kv, request.challenge, { ceremony: "authentication" }, challengeTtlMs);
      return c.json(request);
    });

    router.post("/passkeys/authenticate/verify", async (c) => {
      await kit.throttle(c, `passkey:${kit.clientIp(c)}`);
      const body = await readBody(c, authenticationBody, MAX_BODY_BYTES);
      const assertion = body.response;
      // The challenge is taken first, so even a response for an unknown credential burns it.
      const challenge = challengeOf(assertion.response.clientDataJSON);
      const issued = challenge === null ? null : await takeChallenge(kit.kv, challenge);
      if (issued === null || issued.ceremony !== "authentication") {
        throw rejected("The authentication challenge is unknown, expired or already used", 401);
      }
      const credential = await storeFor(kit).get(assertion.id);
      if (credential === null) throw rejected("This passkey is not registered", 401);
      const handle = assertion.response.userHandle;
      if (handle !== undefined && handle !== toBase64Url(userHandleOf(credential.userId))) {
        throw rejected("The passkey does not belong to this user", 401);
      }
      let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
      try {
        verification = await (await webauthn()).verifyAuthenticationResponse({
          response: assertion as AuthenticationResponseJSON,
          expectedChallenge: challenge!,
          expectedOrigin: options.origin,
          expectedRPID: options.rpID,
          credential: {
            id: credential.id,
            publicKey: fromBase64Url(credential.publicKey)!,
            counter: credential.counter,
            transports: credential.transports,
          },
          requireUserVerification: userVerification === "required",
        });
      } catch (error) {
        throw rejected(`The passkey assertion was rejected: ${(error as Error).message}`.slice(0, 300), 401);
      }
      if (!verification.verified) throw rejected("The passkey assertion could not be verified", 401);
      await storeFor(kit).recordUse(credential.id, verification.authenticationInfo.newCounter, Date.now());
      const user = await kit.users.getById(credential.userId);
      if (user === null) throw rejected("The passkey's user no longer exists", 401);
      return kit.signIn(c, user, "passkey");
    });
  }

  function mountManagement(router: Hono<CovaraEnv>, kit: AuthKit): void {
    router.get("/passkeys", async (c) => {
      const user = await requireSignedIn(c, kit);
      return c.json({ passkeys: (await storeFor(kit).listByUser(String(user.id))).map(describe) });
    });

    router.delete("/passkeys/:id", async (c) => {
      const user = await requireSignedIn(c, kit);
      const id = c.req.param("id");
      const credential = id.length <= 1366 ? await storeFor(kit).get(id) : null;
      // Someone else's passkey answers exactly like a missing one.
      if (credential === null || credential.userId !== String(user.id))
        throw new ProblemError("not-found", { detail: "No such passkey" });
      await storeFor(kit).delete(id);
      return c.body(null, 204);
    });
  }

  return {
    name: "passkeys",
    mount(router, kit) {
      mountRegistration(router, kit);
      mountAuthentication(router, kit);
      mountManagement(router, kit);
    },
  };
}

/** What a client may see of a credential (never the public key). */
function describe(credential: PasskeyCredential) {
  return {
    id: credential.id,
    name: credential.name,
    transports: credential.transports,
    deviceType: credential.deviceType,
    backedUp: credential.backedUp,
    createdAt: new Date(credential.createdAt).toISOString(),
    lastUsedAt: credential.lastUsedAt === null ? null : new Date(credential.lastUsedAt).toISOString(),
  };
}
