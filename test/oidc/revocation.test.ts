/** RFC 7009 revocation and RFC 7662 introspection. */
import { describe, expect, it } from "vitest";
import { authorizeCode, basic, CALLBACK, localApp, postForm } from "./provider-app";

const WEB = basic("web", "web-secret-0123456789");

async function tokensFor(app: ReturnType<typeof localApp>["app"]) {
  const code = await authorizeCode(app, { client_id: "web" });
  const response = await postForm(
    app,
    "/token",
    { grant_type: "authorization_code", code, redirect_uri: CALLBACK },
    WEB,
  );
  return (await response.json()) as { access_token: string; refresh_token: string };
}

describe("revocation and introspection", () => {
  it("Revocation (RFC 7009): POST /revoke invalidates a refresh token after client authentication", async () => {
    const { app } = localApp();
    const tokens = await tokensFor(app);
    const unauthenticated = await postForm(app, "/revoke", { token: tokens.refresh_token });
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toMatchObject({ error: "invalid_client" });

    const revoked = await postForm(
      app,
      "/revoke",
      { token: tokens.refresh_token, token_type_hint: "refresh_token" },
      WEB,
    );
    expect(revoked.status).toBe(200);
    const refresh = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      WEB,
    );
    expect(await refresh.json()).toMatchObject({ error: "invalid_grant" });
    // Revoking the refresh token revokes its grant, and with it the access tokens.
    expect((await app.request("/api/me", { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(
      401,
    );
  });

  it("revoking an access token revokes that token only; unknown tokens and other clients' tokens get a silent 200", async () => {
    const { app } = localApp();
    const tokens = await tokensFor(app);
    const byOtherClient = await postForm(app, "/revoke", {
      token: tokens.access_token,
      client_id: "post",
      client_secret: "post-secret-0123456789",
    });
    expect(byOtherClient.status).toBe(200);
    expect((await app.request("/api/me", { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(
      200,
    );
    expect((await postForm(app, "/revoke", { token: "not-a-token" }, WEB)).status).toBe(200);

    expect((await postForm(app, "/revoke", { token: tokens.access_token }, WEB)).status).toBe(200);
    expect((await app.request("/api/me", { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(
      401,
    );
    const refresh = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      WEB,
    );
    expect(refresh.status).toBe(200);
  });

  it("Introspection (RFC 7662): POST /introspect reports { active } and claims for access/refresh tokens after client authentication", async () => {
    const { app } = localApp();
    const tokens = await tokensFor(app);
    const access = await (await postForm(app, "/introspect", { token: tokens.access_token }, WEB)).json();
    expect(access).toMatchObject({
      active: true,
      token_type: "access_token",
      client_id: "web",
      sub: "alice",
      scope: "openid profile email",
    });
    const refresh = await (await postForm(app, "/introspect", { token: tokens.refresh_token }, WEB)).json();
    expect(refresh).toMatchObject({ active: true, token_type: "refresh_token", client_id: "web", sub: "alice" });
    expect(await (await postForm(app, "/introspect", { token: "garbage" }, WEB)).json()).toEqual({ active: false });
    // Another client learns nothing about web's tokens.
    const foreign = await postForm(app, "/introspect", {
      token: tokens.access_token,
      client_id: "post",
      client_secret: "post-secret-0123456789",
    });
    expect(await foreign.json()).toEqual({ active: false });
    expect((await postForm(app, "/introspect", { token: tokens.access_token })).status).toBe(401);
    expect(await (await postForm(app, "/introspect", {}, WEB)).json()).toMatchObject({ error: "invalid_request" });

    await postForm(app, "/revoke", { token: tokens.refresh_token }, WEB);
    expect(await (await postForm(app, "/introspect", { token: tokens.refresh_token }, WEB)).json()).toEqual({
      active: false,
    });
    expect(await (await postForm(app, "/introspect", { token: tokens.access_token }, WEB)).json()).toEqual({
      active: false,
    });
  });
});
