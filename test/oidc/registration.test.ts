/** Dynamic client registration (RFC 7591): opt-in, initial access token, metadata validation, registered clients at work. */
import { describe, expect, it } from "vitest";
import { exportPublicJwk, generateJwtKey, importJwtKey, signJwt } from "../../src/auth";
import { createMemoryKV } from "../../src/kv";
import type { OIDCProviderOptions } from "../../src/oidc";
import { basic, CALLBACK, localApp as providerApp, postForm, s256, VERIFIER } from "./provider-app";
import { codeAfterConsent, postRegistration, registerClient } from "./registered-client-flow";

const TOKEN = "initial-access-token-0123456789";
const enabled = { registration: { enabled: true } };
// One ES256 key for every app here: generating the default RSA key per test is slow.
const KEYS = [await generateJwtKey("ES256", "registration-test")];
const localApp = (options: Partial<OIDCProviderOptions> = {}) => providerApp({ keys: KEYS, ...options });

describe("Dynamic registration is opt-in: POST /register returns 404 unless registration.enabled is true; an initialAccessToken, when set, is required as a Bearer token", () => {
  it("POST /register returns 404 (problem not-found) unless registration.enabled is true", async () => {
    for (const registration of [undefined, {}, { enabled: false }]) {
      const { app } = localApp({ registration });
      const response = await postRegistration(app, { redirect_uris: [CALLBACK] });
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(await response.json()).toMatchObject({ code: "NOT_FOUND" });
      const discovery = (await (await app.request("/oidc/.well-known/openid-configuration")).json()) as Record<
        string,
        unknown
      >;
      expect(discovery.registration_endpoint).toBeUndefined();
    }
  });

  it("registers when enabled, and discovery advertises the endpoint", async () => {
    const { app } = localApp(enabled);
    const response = await postRegistration(app, { redirect_uris: [CALLBACK], client_name: "Notes" });
    expect(response.status).toBe(201);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      client_name: "Notes",
      redirect_uris: [CALLBACK],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      client_secret_expires_at: 0,
    });
    expect(typeof body.client_id).toBe("string");
    expect(typeof body.client_secret).toBe("string");
    expect(Math.abs((body.client_id_issued_at as number) - Date.now() / 1000)).toBeLessThan(5);
    const discovery = (await (await app.request("/oidc/.well-known/openid-configuration")).json()) as Record<
      string,
      unknown
    >;
    expect(discovery.registration_endpoint).toBe("http://provider.test/oidc/register");
  });
});

describe("an initialAccessToken, when set, is required as a Bearer token", () => {
  const withToken = { registration: { enabled: true, initialAccessToken: TOKEN } };
  const metadata = { redirect_uris: [CALLBACK] };

  it("refuses a request without it: 401 invalid_token with WWW-Authenticate", async () => {
    const { app } = localApp(withToken);
    const response = await postRegistration(app, metadata);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    expect(await response.json()).toMatchObject({ error: "invalid_token" });
  });

  it("refuses a wrong token, a prefix of the right one, and another scheme", async () => {
    const { app } = localApp(withToken);
    for (const authorization of [
      "Bearer wrong-token-0123456789abcdef",
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Basic ${btoa(`x:${TOKEN}`)}`,
      TOKEN,
    ]) {
      const response = await postRegistration(app, metadata, { authorization });
      expect(response.status, authorization).toBe(401);
      expect(await response.json()).toMatchObject({ error: "invalid_token" });
    }
  });

  it("checks the token before reading the body", async () => {
    const { app } = localApp(withToken);
    const response = await postRegistration(app, "{not json", { authorization: "Bearer nope" });
    expect(response.status).toBe(401);
  });

  it("accepts the right token", async () => {
    const { app } = localApp(withToken);
    expect((await postRegistration(app, metadata, { authorization: `Bearer ${TOKEN}` })).status).toBe(201);
  });

  it("refuses a short initialAccessToken or a bad clientTtlSeconds at construction", () => {
    expect(() => localApp({ registration: { enabled: true, initialAccessToken: "short" } })).toThrow(TypeError);
    expect(() => localApp({ registration: { enabled: true, clientTtlSeconds: -1 } })).toThrow(TypeError);
  });
});

describe("registration metadata validation", () => {
  const refusals: Array<[string, unknown, string]> = [
    ["no redirect_uris for the code flow", {}, "invalid_redirect_uri"],
    ["an empty redirect_uris list", { redirect_uris: [] }, "invalid_redirect_uri"],
    ["a relative redirect URI", { redirect_uris: ["/callback"] }, "invalid_redirect_uri"],
    ["http on a public host", { redirect_uris: ["http://rp.example.com/callback"] }, "invalid_redirect_uri"],
    ["another scheme", { redirect_uris: ["javascript://rp.example.com/%0aalert(1)"] }, "invalid_redirect_uri"],
    ["a fragment", { redirect_uris: ["https://rp.example.com/callback#frag"] }, "invalid_redirect_uri"],
    ["an empty fragment", { redirect_uris: ["https://rp.example.com/callback#"] }, "invalid_redirect_uri"],
    ["userinfo", { redirect_uris: ["https://rp.example.com@evil.net/callback"] }, "invalid_redirect_uri"],
    [
      "a bad post-logout URI",
      { redirect_uris: [CALLBACK], post_logout_redirect_uris: ["http://rp.example.com/bye"] },
      "invalid_redirect_uri",
    ],
    ["redirect_uris that is not a list", { redirect_uris: CALLBACK }, "invalid_client_metadata"],
    ["a non-string redirect URI", { redirect_uris: [42] }, "invalid_client_metadata"],
    ["an unsupported grant", { redirect_uris: [CALLBACK], grant_types: ["implicit"] }, "invalid_client_metadata"],
    ["the password grant", { redirect_uris: [CALLBACK], grant_types: ["password"] }, "invalid_client_metadata"],
    [
      "refresh_token without the code grant",
      { grant_types: ["refresh_token", "client_credentials"] },
      "invalid_client_metadata",
    ],
    [
      "an unsupported response type",
      { redirect_uris: [CALLBACK], response_types: ["token"] },
      "invalid_client_metadata",
    ],
    [
      "response type code without the code grant",
      { grant_types: ["client_credentials"], response_types: ["code"] },
      "invalid_client_metadata",
    ],
    [
      "an unsupported auth method",
      { redirect_uris: [CALLBACK], token_endpoint_auth_method: "client_secret_jwt" },
      "invalid_client_metadata",
    ],
    [
      "private_key_jwt without jwks",
      { redirect_uris: [CALLBACK], token_endpoint_auth_method: "private_key_jwt" },
      "invalid_client_metadata",
    ],
    [
      "private_key_jwt with a private or symmetric key",
      {
        grant_types: ["client_credentials"],
        token_endpoint_auth_method: "private_key_jwt",
        jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] },
      },
      "invalid_client_metadata",
    ],
    [
      "private_key_jwt with a key that does not import",
      {
        grant_types: ["client_credentials"],
        token_endpoint_auth_method: "private_key_jwt",
        jwks: { keys: [{ kty: "EC", crv: "P-256", x: "AA", y: "AA" }] },
      },
      "invalid_client_metadata",
    ],
    ["jwks without private_key_jwt", { redirect_uris: [CALLBACK], jwks: { keys: [] } }, "invalid_client_metadata"],
    [
      "a public client with client_credentials",
      {
        redirect_uris: [CALLBACK],
        grant_types: ["authorization_code", "client_credentials"],
        token_endpoint_auth_method: "none",
      },
      "invalid_client_metadata",
    ],
    ["an unsupported scope", { redirect_uris: [CALLBACK], scope: "openid admin" }, "invalid_client_metadata"],
    ["a non-string scope", { redirect_uris: [CALLBACK], scope: ["openid"] }, "invalid_client_metadata"],
    ["a non-string client_name", { redirect_uris: [CALLBACK], client_name: 7 }, "invalid_client_metadata"],
    [
      "an over-long client_name",
      { redirect_uris: [CALLBACK], client_name: "x".repeat(201) },
      "invalid_client_metadata",
    ],
    ["malformed JSON", '{"redirect_uris": [', "invalid_client_metadata"],
    ["a JSON array", "[]", "invalid_client_metadata"],
    ["an empty body", "", "invalid_client_metadata"],
  ];
  for (const [what, body, error] of refusals) {
    it(`refuses ${what} with 400 ${error}`, async () => {
      const { app } = localApp(enabled);
      const response = await postRegistration(app, body);
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { error: string; error_description: string };
      expect(answer.error).toBe(error);
      expect(answer.error_description).toEqual(expect.any(String));
    });
  }

  it("registers a private_key_jwt client whose assertions then authenticate it (and nothing else does)", async () => {
    const { app } = localApp(enabled);
    const key = await importJwtKey(await generateJwtKey("ES256", "registered-key"));
    const response = await postRegistration(app, {
      grant_types: ["client_credentials"],
      token_endpoint_auth_method: "private_key_jwt",
      jwks: { keys: [await exportPublicJwk(key)] },
    });
    expect(response.status).toBe(201);
    const registered = (await response.json()) as { client_id: string; client_secret?: string };
    expect(registered.client_secret).toBeUndefined();
    const now = Math.floor(Date.now() / 1000);
    const assertion = await signJwt(
      {
        iss: registered.client_id,
        sub: registered.client_id,
        aud: "http://provider.test/oidc",
        jti: "j-1",
        iat: now,
        exp: now + 60,
      },
      key,
    );
    const form = {
      grant_type: "client_credentials",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    };
    expect((await postForm(app, "/token", { ...form, client_assertion: assertion })).status).toBe(200);
    const stranger = await importJwtKey(await generateJwtKey("ES256", "registered-key"));
    const forged = await signJwt(
      {
        iss: registered.client_id,
        sub: registered.client_id,
        aud: "http://provider.test/oidc",
        jti: "j-2",
        iat: now,
        exp: now + 60,
      },
      stranger,
    );
    expect((await postForm(app, "/token", { ...form, client_assertion: forged })).status).toBe(401);
  });

  it("refuses a body that is not JSON with 415 and an over-large one with 413", async () => {
    const { app } = localApp(enabled);
    const form = await app.request("/oidc/register", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "redirect_uris=x",
    });
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE" });
    const huge = await postRegistration(app, { redirect_uris: [CALLBACK], client_name: "x".repeat(20_000) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  });

  it("accepts http redirect URIs on the loopback host only, and ignores unknown metadata", async () => {
    const { app } = localApp(enabled);
    const uris = ["http://localhost/cb", "http://127.0.0.1:8123/cb", "http://[::1]:9000/cb"];
    const body = await registerClient(app, {
      redirect_uris: uris,
      software_id: "ignored",
      token_endpoint_auth_method: "none",
    });
    expect(body.redirect_uris).toEqual(uris);
    expect(body.software_id).toBeUndefined();
    expect(body.client_secret).toBeUndefined();
  });

  it("registers a client_credentials-only client without redirect URIs", async () => {
    const { app } = localApp(enabled);
    const body = await registerClient(app, { grant_types: ["client_credentials"], scope: "profile" });
    expect(body).toMatchObject({
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      scope: "profile",
    });
  });
});

describe("registered clients at work", () => {
  it("a registered public client completes authorize (with consent) and token with PKCE", async () => {
    const { app } = localApp(enabled);
    const client = await registerClient(app, {
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
    });
    expect(client.client_secret).toBeUndefined();
    const code = await codeAfterConsent(app, {
      client_id: client.client_id,
      code_challenge: await s256(VERIFIER),
      code_challenge_method: "S256",
    });
    const response = await postForm(app, "/token", {
      grant_type: "authorization_code",
      code,
      redirect_uri: CALLBACK,
      client_id: client.client_id,
      code_verifier: VERIFIER,
    });
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as { access_token: string; refresh_token: string; id_token: string };
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const me = (await (
      await app.request("/api/me", { headers: { authorization: `Bearer ${tokens.access_token}` } })
    ).json()) as { user: { id: string } };
    expect(me.user.id).toBe("alice");
  });

  it("a registered public client still needs PKCE", async () => {
    const { app } = localApp(enabled);
    const client = await registerClient(app, { redirect_uris: [CALLBACK], token_endpoint_auth_method: "none" });
    const response = await app.request(
      `/oidc/authorize?${new URLSearchParams({ response_type: "code", client_id: client.client_id, redirect_uri: CALLBACK, scope: "openid" })}`,
      { headers: { "x-test-user": "alice" } },
    );
    expect(new URL(response.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");
  });

  it("a registered confidential client authenticates at /token with its secret, and only with it", async () => {
    const { app } = localApp(enabled);
    const client = await registerClient(app, {
      redirect_uris: [CALLBACK],
      grant_types: ["authorization_code", "client_credentials"],
    });
    const secret = client.client_secret!;
    const code = await codeAfterConsent(app, { client_id: client.client_id });
    const exchanged = await postForm(
      app,
      "/token",
      { grant_type: "authorization_code", code, redirect_uri: CALLBACK },
      basic(client.client_id, secret),
    );
    expect(exchanged.status).toBe(200);
    const credentials = await postForm(
      app,
      "/token",
      { grant_type: "client_credentials" },
      basic(client.client_id, secret),
    );
    expect(credentials.status).toBe(200);
    const wrong = await postForm(
      app,
      "/token",
      { grant_type: "client_credentials" },
      basic(client.client_id, `${secret}x`),
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "invalid_client" });
    // Registered with client_secret_basic, so the same secret in the body is the wrong method.
    const posted = await postForm(app, "/token", {
      grant_type: "client_credentials",
      client_id: client.client_id,
      client_secret: secret,
    });
    expect(posted.status).toBe(401);
  });

  it("the KV holds the secret only as a scrypt hash, and the client never skips consent", async () => {
    const kv = createMemoryKV();
    const { app } = localApp({ ...enabled, kv });
    const client = await registerClient(app, { redirect_uris: [CALLBACK], client_name: "Stored" });
    const keys = await kv.keys("oidc:client:");
    expect(keys).toEqual([`oidc:client:${client.client_id}`]);
    const raw = (await kv.get(keys[0]!))!;
    expect(raw).not.toContain(client.client_secret!);
    const stored = JSON.parse(raw) as { secret: string; skipConsent: boolean; name: string };
    expect(stored.secret.startsWith("scrypt$")).toBe(true);
    expect(stored).toMatchObject({ skipConsent: false, name: "Stored" });
    await kv.close();
  });

  it("registration.clientTtlSeconds bounds how long a registered client lives", async () => {
    const kv = createMemoryKV();
    const { app } = localApp({ registration: { enabled: true, clientTtlSeconds: 600 }, kv });
    const client = await registerClient(app, { redirect_uris: [CALLBACK] });
    expect(client.client_secret_expires_at).toBe(client.client_id_issued_at + 600);
    const ttl = await kv.ttl(`oidc:client:${client.client_id}`);
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    await kv.close();
  });

  it("each registration gets its own client id and secret", async () => {
    const { app } = localApp(enabled);
    const [a, b] = await Promise.all([
      registerClient(app, { redirect_uris: [CALLBACK] }),
      registerClient(app, { redirect_uris: [CALLBACK] }),
    ]);
    expect(a.client_id).not.toBe(b.client_id);
    expect(a.client_secret).not.toBe(b.client_secret);
  });
});
