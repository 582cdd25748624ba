import { expect, it } from "vitest";
import { createUsers, people, send, usersApp } from "../helpers/app";
import { eachDialect } from "../helpers/suite";

function expectProblem(res: { status: number; headers: Headers; body: any }, status: number, code: string, label = "") {
  expect(res.status, label).toBe(status);
  expect(res.headers.get("content-type"), label).toBe("application/problem+json");
  expect(res.body.code, label).toBe(code);
  expect(JSON.stringify(res.body), label).not.toMatch(
    /at .*\.ts:\d+|from "users|SqliteError|DrizzleQueryError|syntax error|Failed query/,
  );
}

eachDialect("bad input", (use) => {
  async function seeded() {
    const app = usersApp(use());
    await createUsers(app, people);
    return app;
  }
  async function unchanged(app: ReturnType<typeof usersApp>) {
    const res = await send(app, "GET", "/api/users?orderBy=id&limit=100");
    expect(res.body.items.map((u: any) => [u.name, u.email, u.age])).toEqual(
      people.map((p) => [p.name, p.email, p.age]),
    );
  }

  it("answers malformed filters with filter-parse-error and a position", async () => {
    const app = await seeded();
    const cases = [
      "(age>1",
      "age>1)",
      "age=foo=1",
      "age>",
      ";age>1",
      'name=="unterminated',
      "age=in=1,2",
      "(".repeat(5000) + "age>1" + ")".repeat(5000),
      "age>1;".repeat(3000) + "age>1",
      "x".repeat(100_000),
    ];
    for (const filter of cases) {
      const res = await send(app, "GET", `/api/users?filter=${encodeURIComponent(filter)}`);
      expectProblem(res, 400, "FILTER_PARSE_ERROR", filter.slice(0, 40));
    }
    const positioned = await send(app, "GET", `/api/users?filter=${encodeURIComponent("age>1;(name==x")}`);
    expect(typeof positioned.body.position).toBe("number");
  });

  it("keeps SQL-injection payloads inert in filter values and rejects them as field names", async () => {
    const app = await seeded();
    const payloads = [
      `name=="x' OR '1'='1"`,
      `name=="'); DROP TABLE users;--"`,
      `name==x\\"--`,
      `email=like="%' OR 1=1 --"`,
    ];
    for (const filter of payloads) {
      const res = await send(app, "GET", `/api/users?filter=${encodeURIComponent(filter)}`);
      expect([200, 400], filter).toContain(res.status);
      if (res.status === 200) expect(res.body.items, filter).toEqual([]);
    }
    for (const param of [
      `orderBy=${encodeURIComponent("name; DROP TABLE users")}`,
      `orderBy=${encodeURIComponent("(select 1)")}`,
      `select=${encodeURIComponent("name,(select secret)")}`,
      `select=${encodeURIComponent('id" FROM users;--')}`,
    ]) {
      expectProblem(await send(app, "GET", `/api/users?${param}`), 400, "INVALID_PARAMETER", param);
    }
    await unchanged(app);
  });

  it("refuses invalid JSON, wrong content types, non-object bodies and oversized bodies", async () => {
    const app = usersApp(use(), { maxBodyBytes: 1024 });
    await createUsers(usersApp(use()), people);
    expectProblem(
      await send(app, "POST", "/api/users", { rawBody: "{bad json", headers: { "content-type": "application/json" } }),
      400,
      "INVALID_JSON",
    );
    expectProblem(
      await send(app, "POST", "/api/users", { rawBody: "", headers: { "content-type": "application/json" } }),
      400,
      "INVALID_JSON",
    );
    expectProblem(
      await send(app, "POST", "/api/users", {
        rawBody: "name=x",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    expectProblem(await send(app, "POST", "/api/users", { rawBody: '{"name":"x"}' }), 415, "UNSUPPORTED_MEDIA_TYPE");
    expectProblem(await send(app, "POST", "/api/users", { body: [{ name: "x" }] }), 400, "VALIDATION_ERROR");
    expectProblem(await send(app, "POST", "/api/users", { body: null }), 400, "VALIDATION_ERROR");
    expectProblem(
      await send(app, "POST", "/api/users", { body: { name: "x".repeat(2000), email: "e@x" } }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    expectProblem(
      await send(app, "PATCH", "/api/users/1", { body: { name: "x".repeat(2000) } }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    await unchanged(app);
  });

  it("validates body values against the columns, reporting every issue", async () => {
    const app = await seeded();
    const res = await send(app, "POST", "/api/users", {
      body: { name: 5, age: "old", active: "yes", createdAt: "not a date" },
    });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(res.body.errors.map((e: any) => e.path).sort()).toEqual(["active", "age", "createdAt", "name"]);
    // Completeness is checked after hooks (which may fill required columns), so it comes next.
    const missing = await send(app, "POST", "/api/users", { body: { name: "x" } });
    expectProblem(missing, 400, "VALIDATION_ERROR");
    expect(missing.body.errors.map((e: any) => e.path)).toEqual(["email"]);
    expectProblem(await send(app, "PATCH", "/api/users/1", { body: { age: 1.5 } }), 400, "VALIDATION_ERROR");
    expectProblem(await send(app, "PATCH", "/api/users/1", { body: { name: null } }), 400, "VALIDATION_ERROR");
    expectProblem(await send(app, "PATCH", "/api/users/1", { body: { id: 77 } }), 400, "VALIDATION_ERROR");
    await unchanged(app);
  });

  it("maps constraint violations to 409 conflict", async () => {
    const app = await seeded();
    expectProblem(
      await send(app, "POST", "/api/users", { body: { name: "Dup", email: "ada@example.com" } }),
      409,
      "CONFLICT",
    );
    expectProblem(await send(app, "PATCH", "/api/users/2", { body: { email: "ada@example.com" } }), 409, "CONFLICT");
    await unchanged(app);
  });

  it("refuses ids of the wrong type", async () => {
    const app = await seeded();
    for (const id of ["abc", "1.5", "1e3", "99999999999999999999", "1;DROP"]) {
      expectProblem(await send(app, "GET", `/api/users/${encodeURIComponent(id)}`), 400, "INVALID_ID", id);
      expectProblem(await send(app, "DELETE", `/api/users/${encodeURIComponent(id)}`), 400, "INVALID_ID", id);
    }
    await unchanged(app);
  });

  it("answers unsupported methods with 405 and an Allow header", async () => {
    const app = await seeded();
    const res = await send(app, "DELETE", "/api/users");
    expectProblem(res, 405, "METHOD_NOT_ALLOWED");
    expect(res.headers.get("allow")).toBe("GET, POST");
  });
});
