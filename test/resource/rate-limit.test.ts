import { describe, expect, it } from "vitest";
import { createMemoryKV } from "../../src/kv";
import { send, usersApp } from "../helpers/app";
import { eachDialect } from "../helpers/suite";

eachDialect("per-resource rate limiting", (use) => {
  it("answers 429 with Retry-After past the limit, per caller, with RateLimit headers", async () => {
    const app = usersApp(use(), { rateLimit: { windowMs: 60_000, maxRequests: 3 } });
    const alice = { id: 1 };
    for (let i = 0; i < 3; i++) {
      const res = await send(app, "GET", "/api/users", { user: alice });
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit-remaining")).toBe(String(2 - i));
    }
    const limited = await send(app, "GET", "/api/users/count", { user: alice });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: "RATE_LIMIT_EXCEEDED", limit: 3 });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await send(app, "GET", "/api/users", { user: { id: 2 } })).status).toBe(200);
  });

  it("shares counters through the KV it is given, across app instances", async () => {
    const kv = createMemoryKV();
    const config = { rateLimit: { windowMs: 60_000, maxRequests: 2, kv, key: () => "everyone" } };
    const [one, two] = [usersApp(use(), config), usersApp(use(), config)];
    expect((await send(one, "GET", "/api/users")).status).toBe(200);
    expect((await send(two, "GET", "/api/users")).status).toBe(200);
    expect((await send(one, "GET", "/api/users")).status).toBe(429);
    await kv.close();
  });
});

describe("rate limit configuration", () => {
  it("refuses a limit that is not positive", async () => {
    const { dialectTargets } = await import("../helpers/dialects");
    const t = await dialectTargets[0]!.open();
    expect(() => usersApp(t, { rateLimit: { windowMs: 0, maxRequests: 1 } })).toThrow(/rateLimit/);
    await t.close();
  });
});
