import { expect, it } from "vitest";
import { createUsers, people, send, usersApp } from "../helpers/app";
import { eachDialect } from "../helpers/suite";

eachDialect("optimistic locking", (use) => {
  const locked = () => usersApp(use(), { etag: { versionField: "version" } });

  it("sends the version as ETag on reads and writes, and 304 for a matching If-None-Match", async () => {
    const app = locked();
    const created = await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x.io", version: 40 } });
    expect(created.headers.get("etag")).toBe('"v1"');
    expect(created.body.version).toBe(1); // clients cannot set the version
    const read = await send(app, "GET", "/api/users/1");
    expect(read.headers.get("etag")).toBe('"v1"');
    const notModified = await send(app, "GET", "/api/users/1", { headers: { "if-none-match": 'W/"v1"' } });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe("");
    const patched = await send(app, "PATCH", "/api/users/1", { body: { age: 3, version: 99 } });
    expect(patched.headers.get("etag")).toBe('"v2"');
    expect(patched.body.version).toBe(2);
    expect((await send(app, "GET", "/api/users/1", { headers: { "if-none-match": '"v1"' } })).status).toBe(200);
  });

  it("refuses a write with a stale If-Match with 412 and changes nothing", async () => {
    const app = locked();
    await createUsers(app, people.slice(0, 1));
    await send(app, "PATCH", "/api/users/1", { body: { age: 37 } });
    for (const [method, body] of [
      ["PATCH", { age: 1 }],
      ["PUT", { name: "X", email: "x@x.io" }],
      ["DELETE", undefined],
    ] as const) {
      const res = await send(app, method, "/api/users/1", { body, headers: { "if-match": '"v1"' } });
      expect(res.status, method).toBe(412);
      expect(res.body).toMatchObject({ code: "PRECONDITION_FAILED", resource: "users", id: "1" });
    }
    expect((await send(app, "GET", "/api/users/1")).body).toMatchObject({ age: 37, version: 2 });
    expect(
      (await send(app, "PATCH", "/api/users/1", { body: { age: 38 }, headers: { "if-match": '"v2"' } })).status,
    ).toBe(200);
    expect((await send(app, "DELETE", "/api/users/1", { headers: { "if-match": "*" } })).status).toBe(204);
  });

  it("lets exactly one of two concurrent writers with the same ETag win", async () => {
    const app = locked();
    await createUsers(app, people.slice(0, 1));
    for (let round = 0; round < 5; round++) {
      const etag = (await send(app, "GET", "/api/users/1")).headers.get("etag")!;
      const results = await Promise.all(
        ["left", "right"].map((name) =>
          send(app, "PATCH", "/api/users/1", { body: { name: `${name}-${round}` }, headers: { "if-match": etag } }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
      const winner = results.find((r) => r.status === 200)!;
      expect((await send(app, "GET", "/api/users/1")).body.name).toBe(winner.body.name);
    }
  });

  it("refuses a versionField that is not an integer column", () => {
    expect(() => usersApp(use(), { etag: { versionField: "name" } })).toThrow(/versionField/);
  });
});
