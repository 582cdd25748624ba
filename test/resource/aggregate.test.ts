import { expect, it } from "vitest";
import { rsql } from "../../src";
import { createUsers, people, send, usersApp } from "../helpers/app";
import { eachDialect } from "../helpers/suite";

const get = (app: ReturnType<typeof usersApp>, query: string, user?: Record<string, unknown>) =>
  send(app, "GET", `/api/users/aggregate?${query}`, { user });

eachDialect("aggregations", (use) => {
  async function seeded(config = {}) {
    await createUsers(usersApp(use()), people);
    return usersApp(use(), config);
  }

  it("groups and computes count, sum, avg, min and max", async () => {
    const app = await seeded();
    const res = await get(app, "groupBy=role&sum=score&avg=age&min=age&max=name");
    expect(res.status).toBe(200);
    expect(res.body.groups).toEqual([
      { role: "admin", count: 2, sum_score: 17.5, avg_age: 33, min_age: 30, max_name: "eve" },
      { role: "mod", count: 1, sum_score: 7.25, avg_age: 41, min_age: 41, max_name: "Dee" },
      // Nulls are skipped by every aggregate except count, as in SQL.
      { role: "user", count: 2, sum_score: 5, avg_age: 25, min_age: 25, max_name: "Cy" },
    ]);
  });

  it("aggregates everything without groupBy, within the filter", async () => {
    const app = await seeded();
    const res = await get(app, `filter=${encodeURIComponent("age>=30")}&sum=age&max=createdAt`);
    expect(res.body.groups).toEqual([{ count: 3, sum_age: 107, max_createdAt: null }]);
  });

  it("filters groups with having and orders them by an output", async () => {
    const app = await seeded();
    const res = await get(app, `groupBy=role&sum=score&having=${encodeURIComponent("count>=2;sum_score>6")}`);
    expect(res.body.groups).toEqual([{ role: "admin", count: 2, sum_score: 17.5 }]);
    const ordered = await get(app, "groupBy=ownerId&orderBy=count:desc,ownerId:asc&limit=2");
    expect(ordered.body.groups).toEqual([
      { ownerId: 1, count: 2 },
      { ownerId: 2, count: 2 },
    ]);
  });

  it("matches a hostile having pattern in memory quickly, and refuses one over the limits", async () => {
    const app = await seeded();
    const hostile = `role=like="${"%_".repeat(14)}Z"`;
    const started = performance.now();
    const res = await get(app, `groupBy=role&having=${encodeURIComponent(hostile)}`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(200);
    expect(res.body.groups).toEqual([]);
    const over = await get(app, `groupBy=role&having=${encodeURIComponent(`role=like="${"%_".repeat(17)}Z"`)}`);
    expect(over.status).toBe(400);
    expect(over.body.code).toBe("FILTER_TOO_COMPLEX");
  });

  it("applies the read scope", async () => {
    const app = await seeded({ auth: { read: (u: { id: number }) => rsql`ownerId==${u.id}` } });
    const res = await get(app, "groupBy=role", { id: 2 });
    expect(res.body.groups).toEqual([
      { role: "mod", count: 1 },
      { role: "user", count: 1 },
    ]);
    expect((await get(app, "groupBy=role")).status).toBe(401);
  });

  it("refuses non-numeric sums, unknown fields, hidden fields and bad having", async () => {
    const app = await seeded({ fields: { readable: ["id", "name", "role", "age"] } });
    for (const [query, code, parameter] of [
      ["sum=name", "INVALID_PARAMETER", "sum"],
      ["avg=createdAt", "INVALID_PARAMETER", "avg"],
      ["groupBy=nope", "INVALID_PARAMETER", "groupBy"],
      ["groupBy=secret", "INVALID_PARAMETER", "groupBy"],
      ["max=secret", "INVALID_PARAMETER", "max"],
      ["orderBy=sum_age", "INVALID_PARAMETER", "orderBy"],
      ["having=sum_age%3E1", "FILTER_PARSE_ERROR", "having"],
      ["having=count%3E%3D", "FILTER_PARSE_ERROR", undefined],
    ] as const) {
      const res = await get(app, query);
      expect(res.status, query).toBe(400);
      expect(res.body.code, query).toBe(code);
      if (parameter) expect(res.body.parameter, query).toBe(parameter);
    }
  });

  it("refuses more groups than allowed", async () => {
    const app = await seeded({ aggregate: { maxGroups: 3 } });
    const res = await get(app, "groupBy=id");
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "INVALID_PARAMETER", maxGroups: 3 });
  });
});
