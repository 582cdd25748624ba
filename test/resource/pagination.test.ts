import { expect, it } from "vitest";
import { createUsers, send, usersApp } from "../helpers/app";
import { eachDialect } from "../helpers/suite";

function rows(n: number) {
  // Repeated and null ages make the keyset hit ties and nulls.
  return Array.from({ length: n }, (_, i) => ({
    name: `user-${String(i).padStart(2, "0")}`,
    email: `u${i}@example.com`,
    age: i % 4 === 0 ? null : 20 + (i % 5),
  }));
}

async function walk(app: ReturnType<typeof usersApp>, query: string, onPage?: (page: number) => Promise<void>) {
  const seen: any[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const res = await send(app, "GET", `/api/users?${query}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status).toBe(200);
    seen.push(...res.body.items);
    cursor = res.body.nextCursor;
    expect(res.body.hasMore).toBe(cursor !== null);
    if (!cursor) break;
    await onPage?.(page);
  }
  return seen;
}

eachDialect("cursor pagination", (use) => {
  it("pages through every row exactly once, in order, with ties and nulls", async () => {
    const app = usersApp(use());
    await createUsers(app, rows(23));
    for (const orderBy of ["age:asc,name:desc", "age:desc", "name", "-age,-id"]) {
      const all = (await send(app, "GET", `/api/users?orderBy=${orderBy}&limit=100`)).body.items.map((u: any) => u.id);
      const paged = (await walk(app, `orderBy=${orderBy}&limit=4`)).map((u) => u.id);
      expect(paged, orderBy).toEqual(all);
      expect(new Set(paged).size).toBe(23);
    }
  });

  it("stays stable when rows are inserted between pages", async () => {
    const app = usersApp(use());
    await createUsers(app, rows(12));
    let extra = 0;
    const seen = await walk(app, "orderBy=age:asc&limit=3", async () => {
      await createUsers(app, [{ name: `late-${extra}`, email: `late${extra++}@example.com`, age: 21 }]);
    });
    const original = seen.filter((u) => u.name.startsWith("user-")).map((u) => u.id);
    expect(original.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(seen.map((u) => u.id)).size).toBe(seen.length);
  });

  it("applies default and maximum limits and reports totalCount", async () => {
    const app = usersApp(use(), { pagination: { defaultLimit: 5, maxLimit: 8 } });
    await createUsers(app, rows(12));
    expect((await send(app, "GET", "/api/users")).body.items).toHaveLength(5);
    const capped = await send(app, "GET", "/api/users?limit=50&totalCount=true");
    expect(capped.body.items).toHaveLength(8);
    expect(capped.body).toMatchObject({ totalCount: 12, hasMore: true });
    // ages 21..24 appear at i % 5 in 1..4 among the rows whose age is not null
    const expected = rows(12).filter((r) => r.age !== null && r.age >= 21).length;
    const filtered = await send(app, "GET", "/api/users?limit=2&totalCount=true&filter=age%3E%3D21");
    expect(filtered.body.items).toHaveLength(2);
    expect(filtered.body.totalCount).toBe(expected);
    const bad = await send(app, "GET", "/api/users?limit=-1");
    expect(bad.body).toMatchObject({ status: 400, code: "INVALID_PARAMETER", parameter: "limit" });
  });

  it("refuses a tampered cursor or one made for another ordering", async () => {
    const app = usersApp(use());
    await createUsers(app, rows(6));
    const first = await send(app, "GET", "/api/users?orderBy=name&limit=2");
    const cursor: string = first.body.nextCursor;
    const decoded = JSON.parse(Buffer.from(cursor, "base64url").toString());
    decoded.v[0] = "user-00";
    const forged = Buffer.from(JSON.stringify(decoded)).toString("base64url");
    for (const bad of [forged, "not-a-cursor!", "eyJ2IjpbXX0", cursor.slice(0, -2)]) {
      const res = await send(app, "GET", `/api/users?orderBy=name&limit=2&cursor=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.code).toBe("CURSOR_INVALID");
      expect(res.body.type).toBe("/__covara/problems/cursor-invalid");
    }
    const otherOrder = await send(app, "GET", `/api/users?orderBy=age&cursor=${cursor}`);
    expect(otherOrder.body.code).toBe("CURSOR_INVALID");
  });
});
