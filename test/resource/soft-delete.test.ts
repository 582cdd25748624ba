import { expect, it } from "vitest";
import { createUsers, people, send, usersApp } from "../helpers/app";
import { eachDialect } from "../helpers/suite";

eachDialect("soft delete", (use) => {
  async function seeded() {
    const app = usersApp(use(), { softDelete: { field: "deletedAt" }, etag: { versionField: "version" } });
    await createUsers(app, people);
    expect((await send(app, "DELETE", "/api/users/2")).status).toBe(204);
    return app;
  }

  it("marks the row instead of removing it, and hides it from every read", async () => {
    const app = await seeded();
    const names = (await send(app, "GET", "/api/users")).body.items.map((u: any) => u.name);
    expect(names).toEqual(["Ada", "Cy", "Dee", "eve"]);
    expect((await send(app, "GET", "/api/users/2")).status).toBe(404);
    expect((await send(app, "GET", "/api/users/count")).body).toEqual({ count: 4 });
    expect((await send(app, "GET", "/api/users/aggregate?groupBy=role")).body.groups).toContainEqual({
      role: "user",
      count: 1,
    });
    const raw = await send(usersApp(use()), "GET", "/api/users/2");
    expect(raw.body.deletedAt).toEqual(expect.any(String));
    expect(raw.body.version).toBe(2);
  });

  it("shows deleted rows with ?withDeleted=true", async () => {
    const app = await seeded();
    expect((await send(app, "GET", "/api/users?withDeleted=true")).body.items).toHaveLength(5);
    expect((await send(app, "GET", "/api/users/2?withDeleted=true")).body.name).toBe("Bob");
    expect((await send(app, "GET", "/api/users/count?withDeleted=true")).body).toEqual({ count: 5 });
    expect((await send(app, "GET", "/api/users/aggregate?withDeleted=true")).body.groups).toEqual([{ count: 5 }]);
    expect((await send(app, "GET", "/api/users?withDeleted=maybe")).body.code).toBe("INVALID_PARAMETER");
  });

  it("treats deleted rows as absent for writes, and the mark as server-owned", async () => {
    const app = await seeded();
    expect((await send(app, "PATCH", "/api/users/2", { body: { name: "back" } })).status).toBe(404);
    expect((await send(app, "DELETE", "/api/users/2")).status).toBe(404);
    const undelete = await send(app, "PATCH", "/api/users/1", { body: { deletedAt: new Date().toISOString() } });
    expect(undelete.body.deletedAt).toBeNull();
    const created = await send(app, "POST", "/api/users", {
      body: { name: "Z", email: "z@x.io", deletedAt: new Date().toISOString() },
    });
    expect(created.body.deletedAt).toBeNull();
  });

  it("refuses a soft-delete field that cannot hold a mark", () => {
    expect(() => usersApp(use(), { softDelete: { field: "name" } })).toThrow(/softDelete/);
  });
});
