/**
 * The demo app's scopes: a signed-in user may change or delete only themselves (an admin anyone),
 * only an admin adds users, and todos belong to their owner. Its resources state a rule for every
 * operation, so it starts without an open-access warning.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDemoApp } from "../../examples/demo/app";
import { todos, users } from "../../examples/demo/schema";
import { pushTables, seedTable } from "../../src/db";
import {
  resetOpenAccessWarnings,
  setOpenAccessWarningSink,
  type OpenAccessWarningSink,
} from "../../src/resource/open-access-warning";

async function demo() {
  const db = drizzle(new Database(":memory:"));
  await pushTables(db, [users, todos]);
  await seedTable(db, users, [
    { name: "Ada Lovelace", email: "ada@example.com", role: "admin" },
    { name: "Grace Hopper", email: "grace@example.com" },
    { name: "Alan Turing", email: "alan@example.com" },
  ]);
  await seedTable(db, todos, [
    { title: "Write the first program", userId: 1, position: 1 },
    { title: "Find the first bug", userId: 2, position: 1 },
  ]);
  const app = createDemoApp(db);
  const send = (method: string, path: string, as?: number, body?: unknown) =>
    app.request(path, {
      method,
      headers: {
        ...(as === undefined ? {} : { authorization: `Bearer demo-${as}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const emailOf = async (id: number) =>
    ((await (await send("GET", `/api/users/${id}`)).json()) as { email: string }).email;
  return { send, emailOf };
}

describe("the demo's user scopes", () => {
  it("a user may not edit or delete another user", async () => {
    const { send, emailOf } = await demo();
    const patched = await send("PATCH", "/api/users/1", 2, { email: "taken@example.com" });
    expect(patched.status).toBeGreaterThanOrEqual(400);
    expect(patched.status).toBeLessThan(500);
    expect(await emailOf(1)).toBe("ada@example.com");
    const put = await send("PUT", "/api/users/3", 2, { name: "X", email: "x@example.com" });
    expect(put.status).toBeGreaterThanOrEqual(400);
    expect(await emailOf(3)).toBe("alan@example.com");
    const deleted = await send("DELETE", "/api/users/3", 2);
    expect(deleted.status).toBeGreaterThanOrEqual(400);
    expect((await send("GET", "/api/users/3")).status).toBe(200);
    // Nor through the batch routes.
    await send("PATCH", "/api/users/batch", 2, { filter: "id=gt=0", set: { name: "Owned" } });
    await send("DELETE", "/api/users/batch?filter=id=gt=0", 2);
    expect(((await (await send("GET", "/api/users/1")).json()) as { name: string }).name).toBe("Ada Lovelace");
    expect((await send("GET", "/api/users/1")).status).toBe(200);
  });

  it("a user may edit and delete themselves", async () => {
    const { send, emailOf } = await demo();
    expect((await send("PATCH", "/api/users/2", 2, { email: "grace@navy.example" })).status).toBe(200);
    expect(await emailOf(2)).toBe("grace@navy.example");
    expect((await send("DELETE", "/api/todos/2", 2)).status).toBe(204);
    expect((await send("DELETE", "/api/users/3", 3)).status).toBe(204);
    expect((await send("GET", "/api/users/3")).status).toBe(404);
  });

  it("an admin may edit and delete anyone, and only an admin adds users", async () => {
    const { send, emailOf } = await demo();
    expect((await send("PATCH", "/api/users/2", 1, { name: "Rear Admiral Hopper" })).status).toBe(200);
    expect(await emailOf(2)).toBe("grace@example.com");
    expect((await send("DELETE", "/api/users/3", 1)).status).toBe(204);
    expect((await send("POST", "/api/users", 2, { name: "Eve", email: "eve@example.com" })).status).toBe(403);
    expect((await send("POST", "/api/users", 1, { name: "Eve", email: "eve@example.com" })).status).toBe(201);
  });

  it("anonymous callers and unknown demo ids may read but not write", async () => {
    const { send, emailOf } = await demo();
    expect((await send("GET", "/api/users")).status).toBe(200);
    expect((await send("PATCH", "/api/users/1", undefined, { email: "x@example.com" })).status).toBe(401);
    expect((await send("PATCH", "/api/users/1", 99, { email: "x@example.com" })).status).toBe(401);
    expect(await emailOf(1)).toBe("ada@example.com");
  });

  it("todos stay their owner's", async () => {
    const { send } = await demo();
    expect((await send("PATCH", "/api/todos/1", 2, { done: true })).status).toBeGreaterThanOrEqual(400);
    expect((await send("PATCH", "/api/todos/2", 2, { done: true })).status).toBe(200);
  });
});

describe("the demo starts without open-access warnings", () => {
  const warnings: string[] = [];
  let previous: OpenAccessWarningSink;
  beforeEach(() => {
    resetOpenAccessWarnings();
    previous = setOpenAccessWarningSink((message) => void warnings.push(message));
  });
  afterEach(() => {
    setOpenAccessWarningSink(previous);
  });

  it("every demo resource has a rule for every operation", async () => {
    await demo();
    expect(warnings).toEqual([]);
  });
});
