import { afterEach, expect, it } from "vitest";
import { onMutations, type Mutation } from "../../src/kernel/mutations";
import { send, usersApp } from "../helpers/app";
import { eachDialect } from "../helpers/suite";

eachDialect("mutation feed", (use) => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  function record(): Mutation[] {
    const seen: Mutation[] = [];
    stop = onMutations((batch) => void seen.push(...batch));
    return seen;
  }
  const brief = (seen: Mutation[]) => seen.map((m) => [m.resource, m.op, m.id]);

  it("publishes every committed write of the generated endpoints, in order", async () => {
    const app = usersApp(use());
    const seen = record();
    await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x.io" } });
    await send(app, "PATCH", "/api/users/1", { body: { age: 3 } });
    await send(app, "PUT", "/api/users/1", { body: { name: "A2", email: "a@x.io" } });
    await send(app, "POST", "/api/users/batch", {
      body: [
        { name: "B", email: "b@x.io" },
        { name: "C", email: "c@x.io" },
      ],
    });
    await send(app, "PATCH", "/api/users/batch", { body: [{ id: 2, age: 1 }] });
    await send(app, "POST", "/api/users/batch/upsert", {
      body: [
        { id: 3, name: "C2", email: "c@x.io" },
        { id: 9, name: "D", email: "d@x.io" },
      ],
    });
    await send(app, "DELETE", "/api/users/1");
    await send(app, "DELETE", "/api/users/batch", { body: [2] });
    expect(brief(seen)).toEqual([
      ["users", "create", 1],
      ["users", "update", 1],
      ["users", "update", 1],
      ["users", "create", 2],
      ["users", "create", 3],
      ["users", "update", 2],
      ["users", "update", 3],
      ["users", "create", 9],
      ["users", "delete", 1],
      ["users", "delete", 2],
    ]);
    expect(seen[1]!.row).toMatchObject({ id: 1, age: 3 });
    expect(seen[0]!.db).toBe(use().db);
  });

  it("publishes nothing for a refused or failed write", async () => {
    const app = usersApp(use());
    const seen = record();
    await send(app, "POST", "/api/users", { body: { name: 5 } });
    await send(app, "PATCH", "/api/users/7", { body: { age: 3 } });
    await send(app, "POST", "/api/users/batch", {
      body: [
        { name: "B", email: "b@x.io" },
        { name: "B", email: "b@x.io" },
      ],
    });
    expect(seen).toEqual([]);
  });

  it("a failing listener never fails the write", async () => {
    const app = usersApp(use());
    const off = onMutations(() => {
      throw new Error("listener down");
    });
    const { setMutationErrorReporter } = await import("../../src/kernel/mutations");
    const reported: unknown[] = [];
    setMutationErrorReporter((error) => reported.push(error));
    try {
      const res = await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x.io" } });
      expect(res.status).toBe(201);
      expect(reported).toHaveLength(1);
    } finally {
      off();
      setMutationErrorReporter((error) => console.error(error));
    }
  });
});
