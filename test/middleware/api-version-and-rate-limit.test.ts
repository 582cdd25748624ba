/** apiVersion() from a header or the path, and rateLimit() on its own. */
import { describe, expect, it } from "vitest";
import { apiVersion, rateLimit } from "../../src/middleware";
import { createCovara } from "../../src/server";
import { send } from "../helpers/app";

describe("apiVersion()", () => {
  function headerApp() {
    const app = createCovara();
    app.use("/api/*", apiVersion({ versions: ["1", "2"], deprecated: { "1": new Date("2027-01-01T00:00:00Z") } }));
    app.get("/api/hello", (c) => c.json({ version: c.get("apiVersion") }));
    return app;
  }

  it("reads the header, defaults to the latest, and echoes the version", async () => {
    const app = headerApp();
    const latest = await send(app, "GET", "/api/hello");
    expect(latest.body).toEqual({ version: "2" });
    expect(latest.headers.get("api-version")).toBe("2");
    expect(latest.headers.get("deprecation")).toBeNull();
    const old = await send(app, "GET", "/api/hello", { headers: { "api-version": "v1" } });
    expect(old.body).toEqual({ version: "1" });
    expect(old.headers.get("deprecation")).toBe("true");
    expect(old.headers.get("sunset")).toBe("Fri, 01 Jan 2027 00:00:00 GMT");
  });

  it("answers 400 problem+json for an unknown version", async () => {
    const res = await send(headerApp(), "GET", "/api/hello", { headers: { "api-version": "<script>9</script>" } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("UNSUPPORTED_API_VERSION");
    expect(res.body.supported).toEqual(["1", "2"]);
  });

  it("reads the version from the path", async () => {
    const app = createCovara();
    app.use("/api/*", apiVersion({ versions: ["1", "2"], from: "path", defaultVersion: "1" }));
    app.get("/api/v2/hello", (c) => c.json({ version: c.get("apiVersion") }));
    app.get("/api/hello", (c) => c.json({ version: c.get("apiVersion") }));
    expect((await send(app, "GET", "/api/v2/hello")).body).toEqual({ version: "2" });
    expect((await send(app, "GET", "/api/hello")).body).toEqual({ version: "1" });
    expect((await send(app, "GET", "/api/v7/hello")).body.code).toBe("UNSUPPORTED_API_VERSION");
  });

  it("refuses a default that is not served", () => {
    expect(() => apiVersion({ versions: ["1"], defaultVersion: "2" })).toThrow(TypeError);
  });
});

describe("rateLimit()", () => {
  it("limits any route per caller with RateLimit headers and a 429 problem", async () => {
    const app = createCovara();
    app.use(
      "/limited/*",
      rateLimit({ windowMs: 60_000, maxRequests: 2, name: "limited", key: (c) => c.req.header("x-caller") ?? "anon" }),
    );
    app.get("/limited/x", (c) => c.json({ ok: true }));
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await send(app, "GET", "/limited/x", { headers: { "x-caller": "a" } })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await send(app, "GET", "/limited/x", { headers: { "x-caller": "a" } });
    expect(limited.body.code).toBe("RATE_LIMIT_EXCEEDED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const other = await send(app, "GET", "/limited/x", { headers: { "x-caller": "b" } });
    expect(other.status).toBe(200);
    expect(other.headers.get("ratelimit-remaining")).toBe("1");
  });
});
