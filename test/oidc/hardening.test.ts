/** OIDC Compliance and OIDC Hardening contract bullets, driven through app.request. */
import { describe, expect, it } from "vitest";
import { hashPassword } from "../../src/auth";
import { basic, CALLBACK, localApp, postForm, s256, VERIFIER, authorizeCode } from "./provider-app";

const SPA = { client_id: "spa" };

async function authorize(app: ReturnType<typeof localApp>["app"], params: Record<string, string>, user = "alice") {
  return app.request(`/oidc/authorize?${new URLSearchParams(params)}`, { headers: { "x-test-user": user } });
}

describe("Redirect URI component validation", () => {
  const refused = [
    ["an unregistered host", "https://evil.example.com/callback"],
    ["a prefix trick on the host", "https://rp.example.com.evil.net/callback"],
    ["a longer path", "https://rp.example.com/callback/extra"],
    ["a dot-segment path", "https://rp.example.com/callback/../callback"],
    ["an encoded dot-segment", "https://rp.example.com/x/%2e%2e/callback"],
    ["another scheme", "http://rp.example.com/callback"],
    ["another port", "https://rp.example.com:8443/callback"],
    ["userinfo disguising the host", "https://rp.example.com@evil.net/callback"],
    ["an added query", "https://rp.example.com/callback?next=https://evil.net"],
    ["an added fragment", "https://rp.example.com/callback#x"],
    ["a different registered query", "https://rp.example.com/cb?tenant=b"],
    ["not a URL", "callback"],
  ] as const;
  for (const [what, uri] of refused) {
    it(`redirect_uri is matched component-by-component … never by prefix; an unregistered URI is rejected with 400 before any redirect is issued (${what})`, async () => {
      const { app } = localApp();
      const response = await authorize(app, { response_type: "code", client_id: "web", redirect_uri: uri, state: "s" });
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
      expect(await response.json()).toMatchObject({ error: "invalid_request" });
    });
  }

  it("matches the registered query exactly when one is registered (query/fragment when registered)", async () => {
    const { app } = localApp();
    const response = await authorize(app, {
      response_type: "code",
      client_id: "web",
      redirect_uri: "https://rp.example.com/cb?tenant=a",
      state: "s",
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!);
    expect(location.searchParams.get("tenant")).toBe("a");
    expect(location.searchParams.get("code")).toBeTruthy();
  });

  it("refuses an unknown client with 400 and no redirect", async () => {
    const { app } = localApp();
    const response = await authorize(app, { response_type: "code", client_id: "nobody", redirect_uri: CALLBACK });
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
  });

  it("refuses a missing redirect_uri with 400 and no redirect", async () => {
    const { app } = localApp();
    const response = await authorize(app, { response_type: "code", client_id: "web" });
    expect(response.status).toBe(400);
  });
});

describe("PKCE", () => {
  it("PKCE required: Public clients must use PKCE (code_challenge) — a missing challenge is refused", async () => {
    const { app } = localApp();
    const response = await authorize(app, { ...SPA, response_type: "code", redirect_uri: CALLBACK, state: "s1" });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("state")).toBe("s1");
    expect(location.searchParams.get("code")).toBeNull();
  });

  it("PKCE required: … security.pkce.required extends this to all clients", async () => {
    const { app } = localApp({ security: { pkce: { required: true } } });
    const response = await authorize(app, { client_id: "web", response_type: "code", redirect_uri: CALLBACK });
    expect(new URL(response.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");
    // Without the option a confidential client may skip PKCE.
    const relaxed = localApp();
    const ok = await authorize(relaxed.app, { client_id: "web", response_type: "code", redirect_uri: CALLBACK });
    expect(new URL(ok.headers.get("location")!).searchParams.get("code")).toBeTruthy();
  });

  it("PKCE plain rejected: code_challenge_method=plain is always rejected; only S256 is supported and advertised", async () => {
    const { app } = localApp();
    for (const extra of [{ code_challenge_method: "plain" }, {}] as Array<Record<string, string>>) {
      const response = await authorize(app, {
        client_id: "web",
        response_type: "code",
        redirect_uri: CALLBACK,
        code_challenge: VERIFIER,
        ...extra,
      });
      expect(new URL(response.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");
    }
    const discovery = await (await app.request("/oidc/.well-known/openid-configuration")).json();
    expect(discovery.code_challenge_methods_supported).toEqual(["S256"]);
  });

  it("refuses a wrong code_verifier at the token endpoint, and a missing one", async () => {
    const { app } = localApp();
    for (const verifier of ["x".repeat(43), undefined]) {
      const code = await authorizeCode(app, {
        ...SPA,
        code_challenge: await s256(VERIFIER),
        code_challenge_method: "S256",
      });
      const form: Record<string, string> = {
        grant_type: "authorization_code",
        code,
        redirect_uri: CALLBACK,
        client_id: "spa",
      };
      if (verifier) form.code_verifier = verifier;
      const response = await postForm(app, "/token", form);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_grant" });
    }
  });
});

describe("State and nonce", () => {
  it("State validation: state parameter … echoed on the callback", async () => {
    const { app } = localApp();
    const response = await authorize(app, {
      client_id: "web",
      response_type: "code",
      redirect_uri: CALLBACK,
      state: "abc 123/?",
    });
    expect(new URL(response.headers.get("location")!).searchParams.get("state")).toBe("abc 123/?");
  });

  it("a visitor who is not signed in gets 401, or a redirect to loginUrl with return_to", async () => {
    const plain = localApp();
    const anonymous = await plain.app.request(
      `/oidc/authorize?${new URLSearchParams({ client_id: "web", response_type: "code", redirect_uri: CALLBACK })}`,
    );
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toContain("application/problem+json");
    const withLogin = localApp({ loginUrl: "/login" });
    const redirected = await withLogin.app.request(
      `/oidc/authorize?${new URLSearchParams({ client_id: "web", response_type: "code", redirect_uri: CALLBACK })}`,
    );
    expect(redirected.status).toBe(302);
    const login = new URL(redirected.headers.get("location")!);
    expect(login.pathname).toBe("/login");
    expect(login.searchParams.get("return_to")).toContain("/oidc/authorize?");
  });
});

describe("Code replay and refresh reuse", () => {
  async function exchange(app: ReturnType<typeof localApp>["app"]) {
    const code = await authorizeCode(app, { client_id: "web", nonce: "n-1" });
    const form = { grant_type: "authorization_code", code, redirect_uri: CALLBACK };
    const first = await postForm(app, "/token", form, basic("web", "web-secret-0123456789"));
    expect(first.status).toBe(200);
    return { form, tokens: (await first.json()) as { access_token: string; refresh_token: string; id_token: string } };
  }

  it("codes are single-use: a replayed code is invalid_grant and the tokens issued from it are revoked", async () => {
    const { app } = localApp();
    const { form, tokens } = await exchange(app);
    const bearer = { authorization: `Bearer ${tokens.access_token}` };
    expect((await app.request("/oidc/userinfo", { headers: bearer })).status).toBe(200);

    const replay = await postForm(app, "/token", form, basic("web", "web-secret-0123456789"));
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: "invalid_grant" });

    expect((await app.request("/oidc/userinfo", { headers: bearer })).status).toBe(401);
    expect((await app.request("/api/me", { headers: bearer })).status).toBe(401);
    const refresh = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      basic("web", "web-secret-0123456789"),
    );
    expect(await refresh.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("refresh tokens rotate on use, and a reused one revokes the whole family", async () => {
    const { app } = localApp();
    const { tokens } = await exchange(app);
    const auth = basic("web", "web-secret-0123456789");
    const second = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      auth,
    );
    expect(second.status).toBe(200);
    const rotated = (await second.json()) as { refresh_token: string; access_token: string };
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);

    const reuse = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      auth,
    );
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: "invalid_grant" });
    // The thief's reuse also kills the legitimate holder's newer tokens.
    const afterReuse = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: rotated.refresh_token },
      auth,
    );
    expect(await afterReuse.json()).toMatchObject({ error: "invalid_grant" });
    expect(
      (await app.request("/api/me", { headers: { authorization: `Bearer ${rotated.access_token}` } })).status,
    ).toBe(401);
  });

  it("a code redeemed by another client or with another redirect_uri is refused", async () => {
    const { app } = localApp();
    const code = await authorizeCode(app, { client_id: "web" });
    const stolen = await postForm(app, "/token", {
      grant_type: "authorization_code",
      code,
      redirect_uri: CALLBACK,
      client_secret: "post-secret-0123456789",
      client_id: "post",
    });
    expect(await stolen.json()).toMatchObject({ error: "invalid_grant" });
    const other = await authorizeCode(app, { client_id: "web" });
    const wrongUri = await postForm(
      app,
      "/token",
      { grant_type: "authorization_code", code: other, redirect_uri: "https://rp.example.com/cb?tenant=a" },
      basic("web", "web-secret-0123456789"),
    );
    expect(await wrongUri.json()).toMatchObject({ error: "invalid_grant" });
  });
});

describe("Client authentication", () => {
  it("Client secret hashing: Stored secrets prefixed scrypt$ are verified with scrypt; plaintext secrets are compared in constant time", async () => {
    const hashed = await hashPassword("hashed-secret-value", { N: 2 ** 14 });
    const { app } = localApp({
      clients: [{ id: "h", secret: hashed, redirectUris: [CALLBACK], grantTypes: ["client_credentials"] }],
    });
    const ok = await postForm(app, "/token", { grant_type: "client_credentials" }, basic("h", "hashed-secret-value"));
    expect(ok.status).toBe(200);
    const wrong = await postForm(
      app,
      "/token",
      { grant_type: "client_credentials" },
      basic("h", "hashed-secret-valuE"),
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "invalid_client" });
  });

  it("client_secret_post works for a post client and is refused for a basic client (one method per client)", async () => {
    const { app } = localApp();
    const code = await authorizeCode(app, { client_id: "post" });
    const ok = await postForm(app, "/token", {
      grant_type: "authorization_code",
      code,
      redirect_uri: CALLBACK,
      client_id: "post",
      client_secret: "post-secret-0123456789",
    });
    expect(ok.status).toBe(200);
    const viaPost = await postForm(app, "/token", {
      grant_type: "client_credentials",
      client_id: "web",
      client_secret: "web-secret-0123456789",
    });
    expect(viaPost.status).toBe(401);
  });

  it("bad token requests answer RFC 6749 JSON errors, never 500", async () => {
    const { app } = localApp();
    const auth = basic("web", "web-secret-0123456789");
    const cases: Array<[Record<string, string>, Record<string, string>, number, string]> = [
      [{ grant_type: "password" }, auth, 400, "unsupported_grant_type"],
      [{}, auth, 400, "invalid_request"],
      [{ grant_type: "authorization_code" }, auth, 400, "invalid_request"],
      [{ grant_type: "authorization_code", code: "nope", redirect_uri: CALLBACK }, auth, 400, "invalid_grant"],
      [{ grant_type: "refresh_token", refresh_token: "nope" }, auth, 400, "invalid_grant"],
      [{ grant_type: "client_credentials", scope: "openid" }, auth, 400, "invalid_scope"],
      [{ grant_type: "client_credentials" }, { authorization: "Basic !!!" }, 401, "invalid_client"],
      [{ grant_type: "client_credentials" }, {}, 401, "invalid_client"],
      [{ grant_type: "client_credentials", client_id: "spa" }, {}, 400, "unauthorized_client"],
    ];
    for (const [form, headers, status, error] of cases) {
      const response = await postForm(app, "/token", form, headers);
      expect({ status: response.status, body: await response.json() }).toMatchObject({ status, body: { error } });
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
    const json = await app.request("/oidc/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(await json.json()).toMatchObject({ error: "invalid_request" });
  });
});
