/**
 * Single-use codes and refresh-token reuse detection on every KV backend: memory, and a real
 * Redis at REDIS_URL (skipped with the reason when unreachable). Each run uses its own prefix.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { KV } from "../../src/kernel/kv";
import { createMemoryKV, createRedisKV } from "../../src/kv";
import { authorizeCode, basic, CALLBACK, localApp, postForm } from "./provider-app";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `covara-test-oidc:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}:`;
const WEB = basic("web", "web-secret-0123456789");

async function redisOrReason(): Promise<KV | string> {
  try {
    return await createRedisKV({ url: REDIS_URL, connectTimeoutMs: 1000, keyPrefix: PREFIX });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const redis = await redisOrReason();
if (typeof redis === "string") console.warn(`[oidc kv-backends] Redis suite skipped: ${redis}`);
const memory = createMemoryKV();
const backends: Array<[string, KV | undefined]> = [
  ["memory", memory],
  ["redis", typeof redis === "string" ? undefined : redis],
];

afterAll(async () => {
  await memory.close();
  if (typeof redis !== "string") {
    for (const key of await redis.keys("")) await redis.delete(key);
    await redis.close();
  }
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
    expect((await app.request("/api/me", { headers: { authorization: `Bearer ${winner.access_token}` } })).status).toBe(401);
  });

  run("refresh reuse detection revokes the family", async () => {
    const { app } = localApp({ kv: kv!, kvPrefix: `${name}-reuse:` });
    const code = await authorizeCode(app, { client_id: "web" });
    const first = (await (await postForm(app, "/token", { grant_type: "authorization_code", code, redirect_uri: CALLBACK }, WEB)).json()) as { refresh_token: string };
    const second = (await (await postForm(app, "/token", { grant_type: "refresh_token", refresh_token: first.refresh_token }, WEB)).json()) as { refresh_token: string };
    expect((await postForm(app, "/token", { grant_type: "refresh_token", refresh_token: first.refresh_token }, WEB)).status).toBe(400);
    expect((await postForm(app, "/token", { grant_type: "refresh_token", refresh_token: second.refresh_token }, WEB)).status).toBe(400);
  });

  run("codes and refresh tokens are stored only under their hash", async () => {
    const prefix = `${name}-hash:`;
    const { app } = localApp({ kv: kv!, kvPrefix: prefix });
    const code = await authorizeCode(app, { client_id: "web" });
    const tokens = (await (await postForm(app, "/token", { grant_type: "authorization_code", code, redirect_uri: CALLBACK }, WEB)).json()) as { refresh_token: string };
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
