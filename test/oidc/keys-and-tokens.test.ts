/** Discovery, JWKS and key rotation, id_token/at_hash shape, and Token Validation in the middleware. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { generateJwtKey, importJwtKey, signJwt, verifyJwt, type JwtKeyInput } from "../../src/auth";
import { computeAtHash } from "../../src/oidc";
import { authorizeCode, basic, CALLBACK, LOCAL_ISSUER, localApp, postForm } from "./provider-app";

afterEach(() => {
  vi.useRealTimers();
});

function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  const segment = token.split(".")[index]!;
  return JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as Record<string, unknown>;
}

async function codeTokens(app: ReturnType<typeof localApp>["app"], nonce = "n-xyz") {
  const code = await authorizeCode(app, { client_id: "web", nonce });
  const response = await postForm(
    app,
    "/token",
    { grant_type: "authorization_code", code, redirect_uri: CALLBACK },
    basic("web", "web-secret-0123456789"),
  );
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; id_token: string; refresh_token: string };
}

describe("discovery and JWKS", () => {
  it("Discovery support: /.well-known/openid-configuration endpoint provided", async () => {
    const { app } = localApp();
    const response = await app.request("/oidc/.well-known/openid-configuration");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      issuer: LOCAL_ISSUER,
      authorization_endpoint: `${LOCAL_ISSUER}/authorize`,
      token_endpoint: `${LOCAL_ISSUER}/token`,
      userinfo_endpoint: `${LOCAL_ISSUER}/userinfo`,
      jwks_uri: `${LOCAL_ISSUER}/jwks`,
      response_types_supported: ["code"],
      id_token_signing_alg_values_supported: ["RS256", "ES256"],
    });
  });

  it("publishes generated RS256 and ES256 public keys, never private members", async () => {
    // No keys configured: the provider generates its own.
    const { app } = localApp({ keys: undefined });
    const { keys } = (await (await app.request("/oidc/jwks")).json()) as { keys: Array<Record<string, unknown>> };
    expect(keys.map((key) => key.alg).sort()).toEqual(["ES256", "RS256"]);
    for (const key of keys) {
      expect(key.kid).toBeTypeOf("string");
      expect(key.use).toBe("sig");
      for (const member of ["d", "p", "q", "dp", "dq", "qi"]) expect(key[member]).toBeUndefined();
    }
  });

  it("key rotation keeps the old public key published until its tokens expire", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { app, provider } = localApp({ tokens: { accessToken: { ttlSeconds: 600 }, idToken: { ttlSeconds: 600 } } });
    const before = await codeTokens(app);
    const oldKid = decodePart(before.access_token, 0).kid;
    await provider.rotateKeys();
    const jwks = async () =>
      ((await (await app.request("/oidc/jwks")).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);
    expect(await jwks()).toContain(oldKid);
    expect((await jwks()).length).toBe(4);

    const after = await codeTokens(app);
    expect(decodePart(after.access_token, 0).kid).not.toBe(oldKid);
    // A token signed before the rotation still opens the API.
    expect((await app.request("/api/me", { headers: { authorization: `Bearer ${before.access_token}` } })).status).toBe(
      200,
    );

    vi.setSystemTime(Date.now() + 601_000);
    expect(await jwks()).not.toContain(oldKid);
    expect((await jwks()).length).toBe(2);
  });

  it("keys: { algorithm } generates one key of that algorithm; a symmetric algorithm or an empty list is refused", async () => {
    const { app, provider } = localApp({ keys: { algorithm: "ES256" } });
    await provider.ready;
    const { keys } = (await (await app.request("/oidc/jwks")).json()) as { keys: Array<{ alg: string }> };
    expect(keys.map((key) => key.alg)).toEqual(["ES256"]);
    const discovery = (await (await app.request("/oidc/.well-known/openid-configuration")).json()) as {
      id_token_signing_alg_values_supported: string[];
    };
    expect(discovery.id_token_signing_alg_values_supported).toEqual(["ES256"]);
    await expect(localApp({ keys: { algorithm: "HS256" } }).provider.ready).rejects.toThrow(/asymmetric/);
    await expect(localApp({ keys: [] }).provider.ready).rejects.toThrow(/at least one key/);
  });

  it("refuses symmetric provider keys at start (a shared secret cannot be published); endpoints and the middleware answer 503", async () => {
    const { app, provider } = localApp({ keys: [await generateJwtKey("HS256")] });
    await expect(provider.ready).rejects.toThrow(/asymmetric/);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      for (const response of [
        await app.request("/oidc/jwks"),
        await app.request("/api/me", { headers: { authorization: "Bearer a.b.c" } }),
      ]) {
        expect(response.status).toBe(503);
        expect(((await response.json()) as { code: string }).code).toBe("SERVICE_UNAVAILABLE");
      }
    } finally {
      errors.mockRestore();
    }
  });
});

describe("id_token", () => {
  it("Correct at_hash: the id_token at_hash claim is the left-half of the hash matching the signing algorithm, computed whenever an access token is issued", async () => {
    for (const alg of ["RS256", "ES256", "ES384"] as const) {
      const { app } = localApp({ keys: [await generateJwtKey(alg)] });
      const tokens = await codeTokens(app);
      const claims = decodePart(tokens.id_token, 1);
      expect(decodePart(tokens.id_token, 0).alg).toBe(alg);
      const hashName = alg === "ES384" ? "SHA-384" : "SHA-256";
      const full = new Uint8Array(await crypto.subtle.digest(hashName, new TextEncoder().encode(tokens.access_token)));
      expect(claims.at_hash).toBe(Buffer.from(full.subarray(0, full.length / 2)).toString("base64url"));
      expect(claims.at_hash).toBe(await computeAtHash(tokens.access_token, alg));
    }
  });

  it("carries nonce, aud = client, iss and is verifiable against the published JWKS", async () => {
    const { app } = localApp();
    const tokens = await codeTokens(app, "nonce-42");
    const { keys } = (await (await app.request("/oidc/jwks")).json()) as {
      keys: Array<JsonWebKey & { kid: string; alg: "RS256" | "ES256" }>;
    };
    const imported = await Promise.all(keys.map((jwk) => importJwtKey({ alg: jwk.alg, kid: jwk.kid, publicKey: jwk })));
    const { claims } = await verifyJwt(tokens.id_token, { keys: imported, issuer: LOCAL_ISSUER, audience: "web" });
    expect(claims).toMatchObject({ sub: "alice", nonce: "nonce-42", azp: "web" });
  });

  it("a refresh with the openid scope returns a new id_token without a nonce", async () => {
    const { app } = localApp();
    const tokens = await codeTokens(app);
    const response = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      basic("web", "web-secret-0123456789"),
    );
    const refreshed = (await response.json()) as { id_token: string };
    expect(decodePart(refreshed.id_token, 1)).toMatchObject({ sub: "alice" });
    expect(decodePart(refreshed.id_token, 1).nonce).toBeUndefined();
  });
});

describe("Token Validation (the access-token middleware and /userinfo)", () => {
  async function withKnownKey() {
    const input: JwtKeyInput = await generateJwtKey("RS256", "known");
    const built = localApp({ keys: [input] });
    const key = await importJwtKey(input);
    const now = Math.floor(Date.now() / 1000);
    const base = {
      iss: LOCAL_ISSUER,
      sub: "alice",
      aud: LOCAL_ISSUER,
      client_id: "web",
      scope: "openid",
      gid: "g1",
      jti: "j1",
      iat: now,
      exp: now + 60,
    };
    return { ...built, key, base };
  }
  const me = (app: ReturnType<typeof localApp>["app"], token: string) =>
    app.request("/api/me", { headers: { authorization: `Bearer ${token}` } });

  it("Required claims checked: iss, aud, exp are always validated", async () => {
    const { app, key, base } = await withKnownKey();
    expect((await me(app, await signJwt(base, key, { typ: "at+jwt" }))).status).toBe(200);
    for (const patch of [
      { iss: "https://other.example" },
      { aud: "someone-else" },
      { exp: base.iat - 120 },
      { exp: undefined },
    ]) {
      const response = await me(app, await signJwt({ ...base, ...patch }, key, { typ: "at+jwt" }));
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  it("Algorithm enforcement: Only configured algorithms accepted; none always rejected", async () => {
    const { app, base } = await withKnownKey();
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt", kid: "known" })).toString("base64url");
    const payload = Buffer.from(JSON.stringify(base)).toString("base64url");
    expect((await me(app, `${header}.${payload}.`)).status).toBe(401);
    const foreign = await importJwtKey(await generateJwtKey("ES256", "known"));
    expect((await me(app, await signJwt(base, foreign, { typ: "at+jwt" }))).status).toBe(401);
  });

  it("Signature verification: All tokens are cryptographically verified", async () => {
    const { app, key, base } = await withKnownKey();
    const token = await signJwt(base, key, { typ: "at+jwt" });
    const [h, , s] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ ...base, sub: "bob" })).toString("base64url");
    expect((await me(app, `${h}.${forged}.${s}`)).status).toBe(401);
  });

  it("Clock skew tolerance: Configurable tolerance for exp, nbf, iat checks", async () => {
    const { app, key, base } = await withKnownKey();
    const justExpired = await signJwt({ ...base, exp: base.iat - 10 }, key, { typ: "at+jwt" });
    expect((await me(app, justExpired)).status).toBe(200);
    const input = await generateJwtKey("RS256", "strict");
    const strict = localApp({ keys: [input], clockSkewSeconds: 0 });
    const strictKey = await importJwtKey(input);
    expect(
      (await me(strict.app, await signJwt({ ...base, exp: base.iat - 10 }, strictKey, { typ: "at+jwt" }))).status,
    ).toBe(401);
    expect((await me(strict.app, await signJwt(base, strictKey, { typ: "at+jwt" }))).status).toBe(200);
  });

  it("an id_token is not accepted as an access token", async () => {
    const { app } = localApp();
    const tokens = await codeTokens(app);
    expect((await me(app, tokens.id_token)).status).toBe(401);
    expect(
      (await app.request("/oidc/userinfo", { headers: { authorization: `Bearer ${tokens.id_token}` } })).status,
    ).toBe(401);
  });

  it("requests without a bearer token pass through the middleware with no user; /userinfo demands one", async () => {
    const { app } = localApp();
    expect(await (await app.request("/api/me")).json()).toEqual({ user: null, token: null });
    const userinfo = await app.request("/oidc/userinfo");
    expect(userinfo.status).toBe(401);
    expect(await userinfo.json()).toMatchObject({ error: "invalid_token" });
    expect(userinfo.headers.get("www-authenticate")).toContain("invalid_token");
  });

  it("/userinfo releases claims by scope", async () => {
    const { app } = localApp();
    const code = await authorizeCode(app, { client_id: "web", scope: "openid" });
    const response = await postForm(
      app,
      "/token",
      { grant_type: "authorization_code", code, redirect_uri: CALLBACK },
      basic("web", "web-secret-0123456789"),
    );
    const { access_token } = (await response.json()) as { access_token: string };
    const claims = await (
      await app.request("/oidc/userinfo", { headers: { authorization: `Bearer ${access_token}` } })
    ).json();
    expect(claims).toEqual({ sub: "alice" });
  });
});
