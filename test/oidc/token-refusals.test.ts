/**
 * A refused token request spends nothing: every check runs before a code or refresh token is
 * redeemed, so the rightful holder's corrected retry succeeds and is not taken for reuse.
 */
import { describe, expect, it } from "vitest";
import type { KV } from "../../src/kernel/kv";
import { createMemoryKV } from "../../src/kv";
import { authorizeCode, basic, CALLBACK, localApp, postForm, s256, VERIFIER } from "./provider-app";

const WEB = basic("web", "web-secret-0123456789");
type App = ReturnType<typeof localApp>["app"];

async function signIn(app: App) {
  const code = await authorizeCode(app, { client_id: "web" });
  const response = await postForm(
    app,
    "/token",
    { grant_type: "authorization_code", code, redirect_uri: CALLBACK },
    WEB,
  );
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; refresh_token: string };
}

describe("refresh_token grant refusals", () => {
  it("a wider scope is invalid_scope and leaves the token usable: the retry without scope succeeds and the family lives", async () => {
    const { app } = localApp();
    const tokens = await signIn(app);
    const wider = await postForm(
      app,
      "/token",
      {
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token,
        scope: "openid profile email offline_access admin",
      },
      WEB,
    );
    expect(wider.status).toBe(400);
    expect(await wider.json()).toMatchObject({ error: "invalid_scope" });

    const retry = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      WEB,
    );
    expect(retry.status).toBe(200);
    const rotated = (await retry.json()) as { access_token: string; refresh_token: string };
    // Nothing was taken for reuse: the earlier access token and the new refresh token still work.
    expect(
      (await app.request("/oidc/userinfo", { headers: { authorization: `Bearer ${tokens.access_token}` } })).status,
    ).toBe(200);
    const next = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: rotated.refresh_token },
      WEB,
    );
    expect(next.status).toBe(200);
  });

  it("a narrower scope is granted, and spending the token still makes a later reuse revoke the family", async () => {
    const { app } = localApp();
    const tokens = await signIn(app);
    const narrower = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token, scope: "openid" },
      WEB,
    );
    expect(narrower.status).toBe(200);
    const rotated = (await narrower.json()) as { scope: string; refresh_token: string };
    expect(rotated.scope).toBe("openid");
    const reuse = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      WEB,
    );
    expect(await reuse.json()).toMatchObject({ error: "invalid_grant" });
    const afterReuse = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: rotated.refresh_token },
      WEB,
    );
    expect(await afterReuse.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("of many concurrent refreshes with one token exactly one succeeds", async () => {
    const { app } = localApp();
    const tokens = await signIn(app);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        postForm(app, "/token", { grant_type: "refresh_token", refresh_token: tokens.refresh_token }, WEB),
      ),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
  });
});

describe("authorization_code grant refusals", () => {
  it("a wrong or missing code_verifier is invalid_grant and the code still works with the right one", async () => {
    const { app } = localApp();
    const code = await authorizeCode(app, {
      client_id: "spa",
      code_challenge: await s256(VERIFIER),
      code_challenge_method: "S256",
    });
    const form = { grant_type: "authorization_code", code, redirect_uri: CALLBACK, client_id: "spa" };
    const wrongs: Record<string, string>[] = [{ code_verifier: "x".repeat(43) }, {}];
    for (const wrong of wrongs) {
      const refused = await postForm(app, "/token", { ...form, ...wrong });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: "invalid_grant" });
    }
    const right = await postForm(app, "/token", { ...form, code_verifier: VERIFIER });
    expect(right.status).toBe(200);
    // Once spent, the code is single-use as ever.
    const replay = await postForm(app, "/token", { ...form, code_verifier: VERIFIER });
    expect(await replay.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("a mismatched redirect_uri is invalid_grant and the code still works with the registered one", async () => {
    const { app } = localApp();
    const code = await authorizeCode(app, { client_id: "web" });
    const wrong = await postForm(
      app,
      "/token",
      { grant_type: "authorization_code", code, redirect_uri: "https://rp.example.com/cb?tenant=a" },
      WEB,
    );
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
    const right = await postForm(
      app,
      "/token",
      { grant_type: "authorization_code", code, redirect_uri: CALLBACK },
      WEB,
    );
    expect(right.status).toBe(200);
  });

  it("a code presented by another client has leaked: it is refused and void for its own client too", async () => {
    const { app } = localApp();
    const code = await authorizeCode(app, { client_id: "web" });
    const stolen = await postForm(app, "/token", {
      grant_type: "authorization_code",
      code,
      redirect_uri: CALLBACK,
      client_id: "post",
      client_secret: "post-secret-0123456789",
    });
    expect(await stolen.json()).toMatchObject({ error: "invalid_grant" });
    const own = await postForm(app, "/token", { grant_type: "authorization_code", code, redirect_uri: CALLBACK }, WEB);
    expect(own.status).toBe(400);
    expect(await own.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("of many concurrent exchanges of one code exactly one succeeds", async () => {
    const { app } = localApp();
    const code = await authorizeCode(app, { client_id: "web" });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        postForm(app, "/token", { grant_type: "authorization_code", code, redirect_uri: CALLBACK }, WEB),
      ),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
  });
});

describe("client_credentials refusals", () => {
  it("a scope outside the client's is invalid_scope; the same client is served without it", async () => {
    const { app } = localApp();
    const refused = await postForm(app, "/token", { grant_type: "client_credentials", scope: "openid" }, WEB);
    expect(await refused.json()).toMatchObject({ error: "invalid_scope" });
    expect((await postForm(app, "/token", { grant_type: "client_credentials" }, WEB)).status).toBe(200);
  });
});

/** The memory KV, counting reads and writes of the keys `watched` picks. */
function countingKV(watched: (key: string) => boolean) {
  const kv = createMemoryKV();
  const counts = { get: 0, has: 0, set: 0 };
  const counted: KV = new Proxy(kv, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || !(property === "get" || property === "has" || property === "set"))
        return value;
      return (key: string, ...rest: unknown[]) => {
        if (watched(key)) counts[property] += 1;
        return (value as (...args: unknown[]) => unknown).call(target, key, ...rest);
      };
    },
  });
  return { kv: counted, counts };
}

describe("a token request reads and spends once", () => {
  it("a refused scope spends nothing: the refresh token refused for a wider scope is then used successfully", async () => {
    const { app } = localApp();
    const tokens = await signIn(app);
    const refused = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token, scope: "openid admin" },
      WEB,
    );
    expect(await refused.json()).toMatchObject({ error: "invalid_scope" });
    const reused = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token, scope: "openid" },
      WEB,
    );
    expect(reused.status).toBe(200);
    expect(await reused.json()).toMatchObject({ scope: "openid" });
  });

  it("a refresh reads its token record once and writes its used marker once", async () => {
    const { kv, counts } = countingKV((key) => /:rt(-used)?:/.test(key));
    const { app } = localApp({ kv });
    const tokens = await signIn(app);
    Object.assign(counts, { get: 0, has: 0, set: 0 });
    expect(
      (await postForm(app, "/token", { grant_type: "refresh_token", refresh_token: tokens.refresh_token }, WEB)).status,
    ).toBe(200);
    // One get of the presented token, one set of its used marker, one set of the rotated token.
    expect(counts).toEqual({ get: 1, has: 0, set: 2 });
  });

  it("a code exchange reads the code once and writes its used marker once", async () => {
    const { kv, counts } = countingKV((key) => /:code(-used)?:/.test(key));
    const { app } = localApp({ kv });
    const code = await authorizeCode(app, { client_id: "web" });
    Object.assign(counts, { get: 0, has: 0, set: 0 });
    expect(
      (await postForm(app, "/token", { grant_type: "authorization_code", code, redirect_uri: CALLBACK }, WEB)).status,
    ).toBe(200);
    expect(counts).toEqual({ get: 1, has: 0, set: 1 });
  });

  it("a spent code replayed with a wrong redirect_uri is still a replay: its grant is revoked", async () => {
    const { app } = localApp();
    const code = await authorizeCode(app, { client_id: "web" });
    const first = await postForm(
      app,
      "/token",
      { grant_type: "authorization_code", code, redirect_uri: CALLBACK },
      WEB,
    );
    const tokens = (await first.json()) as { refresh_token: string };
    const replay = await postForm(
      app,
      "/token",
      { grant_type: "authorization_code", code, redirect_uri: "https://rp.example.com/elsewhere" },
      WEB,
    );
    expect(await replay.json()).toMatchObject({ error: "invalid_grant" });
    const refresh = await postForm(
      app,
      "/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      WEB,
    );
    expect(await refresh.json()).toMatchObject({ error: "invalid_grant" });
  });
});
