/**
 * The shim that drives a Passport strategy without Express: the actions passport lends a strategy,
 * the request it reads, and that the app's strategy object is never mutated.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  runStrategy,
  toPassportRequest,
  type PassportRequest,
  type PassportStrategyLike,
} from "../../../src/auth/features/social/passport-shim";

async function requestFor(url: string, init?: RequestInit): Promise<PassportRequest> {
  let captured: PassportRequest | undefined;
  const app = new Hono();
  app.all("*", (c) => {
    captured = toPassportRequest(c, "203.0.113.9", { code: "from-body" });
    return c.text("ok");
  });
  await app.request(url, init);
  return captured!;
}

describe("Passport strategy shim", () => {
  it("builds the Express-like request strategies read", async () => {
    const req = await requestFor("https://app.example/auth/social/x/callback?code=abc&state=s1", {
      headers: { "X-Custom": "yes" },
    });
    expect(req).toMatchObject({
      method: "GET",
      url: "/auth/social/x/callback?code=abc&state=s1",
      originalUrl: "/auth/social/x/callback?code=abc&state=s1",
      path: "/auth/social/x/callback",
      protocol: "https",
      secure: true,
      hostname: "app.example",
      ip: "203.0.113.9",
      query: { code: "abc", state: "s1" },
      body: { code: "from-body" },
      connection: { encrypted: true },
    });
    expect(req.get("x-custom")).toBe("yes");
    expect(req.header("X-CUSTOM")).toBe("yes");
  });

  it("resolves with the first action the strategy takes and ignores later ones", async () => {
    const strategy: PassportStrategyLike = {
      authenticate() {
        this.success({ id: "1" }, { scope: "x" });
        this.fail("late");
        this.error(new Error("late"));
      },
    };
    const req = await requestFor("http://localhost/");
    expect(await runStrategy(strategy, req, {})).toEqual({ kind: "success", user: { id: "1" }, info: { scope: "x" } });
  });

  it("reports fail (with a numeric status shorthand), pass, redirect and thrown errors", async () => {
    const req = await requestFor("http://localhost/");
    const run = (body: PassportStrategyLike["authenticate"]) => runStrategy({ authenticate: body }, req, {});
    expect(
      await run(function () {
        this.fail(403);
      }),
    ).toEqual({ kind: "fail", challenge: 403, status: 403 });
    expect(
      await run(function () {
        this.fail({ message: "no" }, 401);
      }),
    ).toEqual({ kind: "fail", challenge: { message: "no" }, status: 401 });
    expect(
      await run(function () {
        this.pass();
      }),
    ).toEqual({ kind: "pass" });
    expect(
      await run(function () {
        this.redirect("https://idp.example/authorize");
      }),
    ).toEqual({ kind: "redirect", url: "https://idp.example/authorize", status: 302 });
    const thrown = await run(() => {
      throw new Error("boom");
    });
    expect(thrown.kind).toBe("error");
  });

  it("runs on an object derived from the strategy: overrides and actions never touch the app's object", async () => {
    const store = { marker: "original" };
    const strategy = {
      _stateStore: store,
      name: "demo",
      authenticate(this: PassportStrategyLike & { _stateStore: unknown; success(user: unknown): void }) {
        this.success(this._stateStore);
      },
    };
    const req = await requestFor("http://localhost/");
    const replaced = { marker: "ours" };
    const outcome = await runStrategy(strategy as unknown as PassportStrategyLike, req, {}, { _stateStore: replaced });
    expect(outcome).toEqual({ kind: "success", user: replaced, info: undefined });
    expect(strategy._stateStore).toBe(store);
    expect(Object.keys(strategy)).toEqual(["_stateStore", "name", "authenticate"]);
  });
});
