/**
 * Single-use codes and refresh-token reuse detection on every KV backend: memory, and a real
 * Redis at REDIS_URL (skipped with the reason when unreachable). Each run uses its own prefix.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { KV } from "../../src/kernel/kv";
import { createMemoryKV } from "../../src/kv";
import { closeTestRedis, openTestRedis } from "../helpers/test-redis";
import { authorizeCode, basic, CALLBACK, localApp, postForm } from "./provider-app";

const WEB = basic("web", "web-secret-0123456789");

const redis = await openTestRedis("oidc-kv");
const memory = createMemoryKV();
const backends: Array<[string, KV | undefined]> = [
  ["memory", memory],
  ["redis", typeof redis === "string" ? undefined : redis],
];

afterAll(async () => {
  await memory.close();
  await closeTestRedis(redis);
});

describe.each(backends)("grant store on %s KV", (name, kv) => {
  const run = kv ? it : it.skip;

  run("two concurrent redemptions of one code: exactly one wins, and the loser revokes the grant", async () => {
    const { app } = localApp({ kv: kv!, kvPrefix: `${name}-race:` });
    const code = await authorizeCode(app, { client_id: "web" });
    const form = { grant_type: "authorization_code", code, redirect_uri: CALLBACK };
    const [a, b] = await Promise.all([postForm(app, "/token", form, WEB), postForm(app, "/token", form, WEB)]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    const winner = (await (a.status === 200 ? a : b).json()) as { access_token: string };
    expect((await app.request("/api/me", { headers: { authorization: `Bearer ${winner.access_token}` } })).status).toBe(
      401,
    );
  });

  run("refresh reuse detection revokes the family", async () => {
    const { app } = localApp({ kv: kv!, kvPrefix: `${name}-reuse:` });
    const code = await authorizeCode(app, { client_id: "web" });
    const first = (await (
      await postForm(app, "/token", { grant_type: "authorization_code", code, redirect_uri: CALLBACK }, WEB)
    ).json()) as { refresh_token: string };
    const second = (await (
      await postForm(app, "/token", { grant_type: "refresh_token", refresh_token: first.refresh_token }, WEB)
    ).json()) as { refresh_token: string };
    expect(
      (await postForm(app, "/token", { grant_type: "refresh_token", refresh_token: first.refresh_token }, WEB)).status,
    ).toBe(400);
    expect(
      (await postForm(app, "/token", { grant_type: "refresh_token", refresh_token: second.refresh_token }, WEB)).status,
    ).toBe(400);
  });

  run("codes and refresh tokens are stored only under their hash", async () => {
    const prefix = `${name}-hash:`;
    const { app } = localApp({ kv: kv!, kvPrefix: prefix });
    const code = await authorizeCode(app, { client_id: "web" });
    const tokens = (await (
      await postForm(app, "/token", { grant_type: "authorization_code", code, redirect_uri: CALLBACK }, WEB)
    ).json()) as { refresh_token: string };
    const keys = await kv!.keys(prefix);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(code);
      expect(key).not.toContain(tokens.refresh_token);
      // The per-user grant index is a sorted set of grant ids; everything else is a JSON string.
      const stored = key.includes(":user-grants:") ? JSON.stringify(await kv!.zrange(key)) : await kv!.get(key);
      expect(stored).not.toContain(tokens.refresh_token);
    }
  });
});
