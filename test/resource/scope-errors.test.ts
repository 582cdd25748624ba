/**
 * A scope the app wrote wrongly is the server's bug: a generic 500 `scope-error` whose details go
 * to the server log, never the scope's fields and values echoed to a client who sent no filter.
 * Scopes that do not depend on the request are checked when the resource is mounted.
 */
import type { Context } from "hono";
import { afterEach, beforeEach, expect, it } from "vitest";
import { rsql } from "../../src";
import { setUnexpectedErrorReporter } from "../../src/kernel/error-handler";
import { createUsers, people, send, usersApp } from "../helpers/app";
import { eachBlogDialect } from "../helpers/blog";
import { blogApp } from "../helpers/blog-app";
import { eachDialect } from "../helpers/suite";

const alice = { id: 1, role: "user", tenant: "abc" };
let logged: unknown[] = [];
beforeEach(() => {
  logged = [];
  setUnexpectedErrorReporter((error: unknown, _c: Context) => void logged.push(error));
});
afterEach(() => {
  setUnexpectedErrorReporter((error, c) =>
    console.error(`[covara] unexpected error on ${c.req.method} ${c.req.path}:`, error),
  );
});

function causes(error: unknown): string {
  const parts: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) parts.push(e.message);
  return parts.join(" <- ");
}

eachDialect("scope errors are server errors", (use) => {
  // Both depend on the request (they read the user), so only a request can reveal them.
  const wrongType = {
    read: (u: any) => rsql`ownerId==${u.tenant}`,
    create: (u: any) => rsql`ownerId==${u.tenant}`,
    update: (u: any) => rsql`ownerId==${u.tenant}`,
    delete: (u: any) => rsql`ownerId==${u.tenant}`,
  };
  const unknownField = {
    read: (u: any) => `ownerIdd==${u.id}`,
    create: (u: any) => `ownerIdd==${u.id}`,
    update: (u: any) => `ownerIdd==${u.id}`,
    delete: (u: any) => `ownerIdd==${u.id}`,
  };

  for (const [label, auth] of [
    ["a value of the wrong type", wrongType],
    ["an unknown field", unknownField],
  ] as const) {
    it(`answers 500 scope-error without details for ${label}, on every endpoint`, async () => {
      await createUsers(usersApp(use()), people);
      const app = usersApp(use(), { auth });
      const requests: [string, string, unknown?][] = [
        ["GET", "/api/users"],
        ["GET", "/api/users/1"],
        ["GET", "/api/users/count"],
        ["GET", "/api/users/aggregate?groupBy=role"],
        ["POST", "/api/users", { name: "N", email: "n@x" }],
        ["POST", "/api/users/batch", [{ name: "N", email: "n@x" }]],
        ["PATCH", "/api/users/1", { name: "N" }],
        ["PATCH", "/api/users/batch", [{ id: 1, name: "N" }]],
        ["DELETE", "/api/users/1"],
      ];
      for (const [method, path, body] of requests) {
        logged = [];
        const res = await send(app, method, path, { body, user: alice });
        expect(res.status, `${method} ${path}: ${res.text}`).toBe(500);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        expect(res.body.code).toBe("SCOPE_ERROR");
        expect(res.text).not.toMatch(/ownerId|abc|position|field|operator/);
        expect(causes(logged[0]), `${method} ${path}`).toMatch(/users.*ownerIdd?/s);
      }
    });
  }

  it("still answers a client's own bad filter with 400 filter-parse-error", async () => {
    const app = usersApp(use(), { auth: { read: (u) => rsql`ownerId==${u.id}` } });
    const res = await send(app, "GET", `/api/users?filter=${encodeURIComponent("nosuch==1")}`, { user: alice });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("FILTER_PARSE_ERROR");
  });

  it("refuses invalid static scopes when the resource is mounted", () => {
    expect(() => usersApp(use(), { auth: { public: { read: "nosuch==1" } } })).toThrow(
      /users.*auth\.public\.read.*nosuch/s,
    );
    expect(() => usersApp(use(), { auth: { create: () => rsql`ownerId==${"abc"}` } })).toThrow(
      /auth\.create.*ownerId/s,
    );
    expect(() => usersApp(use(), { auth: { public: { read: () => "age=like=(" } } })).toThrow(/auth\.public\.read/);
    expect(() =>
      usersApp(use(), {
        auth: { public: { read: { type: "comparison", field: "nope", operator: "==", value: 1, position: 0 } } },
      }),
    ).toThrow(/nope/);
    // Valid static scopes and request-dependent ones mount fine.
    expect(() =>
      usersApp(use(), {
        auth: {
          public: { read: 'role=="user"' },
          create: () => rsql`role=="user"`,
          update: (u) => rsql`ownerId==${u.id}`,
        },
      }),
    ).not.toThrow();
  });
});

eachBlogDialect("scope errors in relation includes", (use) => {
  it("answers 500 scope-error when an included resource's read scope is invalid", async () => {
    const app = blogApp(use(), {
      authors: { auth: { public: { read: true, create: true }, read: (u: any) => rsql`id==${u.tenant}` } },
    });
    expect((await send(app, "POST", "/api/posts", { body: { title: "T", author: { name: "A" } } })).status).toBe(201);
    const res = await send(app, "GET", "/api/posts?include=author", { user: alice });
    expect(res.status, res.text).toBe(500);
    expect(res.body.code).toBe("SCOPE_ERROR");
    expect(res.text).not.toMatch(/abc|position|field/);
  });
});
