import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { z } from "zod";
import { defineProcedure } from "../../src";
import { createUsers, people, send, usersApp } from "../helpers/app";
import { eachDialect } from "../helpers/suite";

eachDialect("RPC procedures", (use) => {
  function app() {
    const t = use();
    return usersApp(t, {
      procedures: {
        promote: defineProcedure({
          input: z.object({ id: z.number().int(), role: z.enum(["admin", "mod"]) }),
          output: z.object({ promoted: z.boolean(), by: z.union([z.string(), z.number()]) }),
          handler: async (ctx, input) => {
            const users = t.users as any;
            const rows = await (ctx.db as any)
              .update(users)
              .set({ role: input.role })
              .where(eq(users.id, input.id))
              .returning();
            return { promoted: rows.length === 1, by: ctx.user!.id };
          },
        }),
        ping: defineProcedure({ input: z.object({}).optional(), public: true, handler: () => ({ pong: true }) }),
        broken: defineProcedure({
          input: z.object({}),
          output: z.object({ ok: z.boolean() }),
          handler: () => ({ ok: "yes" }) as never,
        }),
      },
    });
  }

  it("runs a procedure with validated input, the caller and the resource's db", async () => {
    const server = app();
    await createUsers(server, people);
    const res = await send(server, "POST", "/api/users/rpc/promote", { user: { id: 7 }, body: { id: 2, role: "mod" } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ promoted: true, by: 7 });
    expect((await send(server, "GET", "/api/users/2")).body.role).toBe("mod");
  });

  it("answers invalid input with 422, anonymous calls with 401, unknown names with 404", async () => {
    const server = app();
    const invalid = await send(server, "POST", "/api/users/rpc/promote", {
      user: { id: 7 },
      body: { id: "2", role: "owner" },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.code).toBe("VALIDATION_ERROR");
    expect(invalid.body.errors.map((e: any) => e.path).sort()).toEqual(["id", "role"]);
    expect((await send(server, "POST", "/api/users/rpc/promote", { body: { id: 2, role: "mod" } })).status).toBe(401);
    expect((await send(server, "POST", "/api/users/rpc/nope", { user: { id: 1 }, body: {} })).status).toBe(404);
    expect((await send(server, "POST", "/api/users/rpc/constructor", { user: { id: 1 }, body: {} })).status).toBe(404);
    expect((await send(server, "GET", "/api/users/rpc/ping")).status).toBe(405);
    expect(
      (
        await send(server, "POST", "/api/users/rpc/promote", {
          user: { id: 1 },
          rawBody: "{",
          headers: { "content-type": "application/json" },
        })
      ).body.code,
    ).toBe("INVALID_JSON");
  });

  it("lets public procedures run anonymously and hides invalid output behind a 500", async () => {
    const server = app();
    expect((await send(server, "POST", "/api/users/rpc/ping")).body).toEqual({ pong: true });
    const broken = await send(server, "POST", "/api/users/rpc/broken", { user: { id: 1 }, body: {} });
    expect(broken.status).toBe(500);
    expect(broken.body).toMatchObject({ code: "INTERNAL_ERROR" });
    expect(broken.text).not.toMatch(/yes|zod|Expected/i);
  });
});
