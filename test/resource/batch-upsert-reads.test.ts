/**
 * Batch upsert reads each existing row once when the read scope adds no condition, and re-reads
 * it inside the scope only when it does; either way the outcome is the same.
 */
import { expect, it } from "vitest";
import { send } from "../helpers/app";
import { eachBlogDialect } from "../helpers/blog";
import { blogApp, seedBlog } from "../helpers/blog-app";
import { interactiveTransactions } from "../helpers/drivers";

/** SELECTs against the authors table among the statements run. */
function authorReads(queries: readonly string[]): number {
  return queries.filter((query) => /^select/i.test(query.trim()) && /from "authors/i.test(query)).length;
}

eachBlogDialect("batch upsert reads", (use) => {
  it.skipIf(!interactiveTransactions())(
    "reads each existing row once on a resource without a read condition",
    async () => {
      const b = use();
      await seedBlog(b, 1);
      const app = blogApp(b);
      b.queries.length = 0;
      const res = await send(app, "POST", "/api/authors/batch/upsert", {
        body: [
          { id: 1, name: "Ann B" },
          { id: 2, name: "Ben B" },
          { id: 3, name: "Cy", team: "green" },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body.items.map((row: { name: string }) => row.name)).toEqual(["Ann B", "Ben B", "Cy"]);
      // One existence check per item; nothing re-read.
      expect(authorReads(b.queries)).toBe(3);
    },
  );

  it.skipIf(!interactiveTransactions())(
    "re-reads existing rows inside a read scope, and refuses rows outside it",
    async () => {
      const b = use();
      await seedBlog(b, 1);
      const app = blogApp(b, {
        authors: { auth: { public: { read: "team==red", create: true, update: true, delete: true } } },
      });
      b.queries.length = 0;
      const res = await send(app, "POST", "/api/authors/batch/upsert", { body: [{ id: 1, name: "Ann C" }] });
      expect(res.status).toBe(200);
      expect(authorReads(b.queries)).toBe(2);
      const outside = await send(app, "POST", "/api/authors/batch/upsert", { body: [{ id: 2, name: "Ben C" }] });
      expect(outside.status).toBe(404);
    },
  );
});
