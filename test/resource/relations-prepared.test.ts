/**
 * Related rows through reused prepared statements (synchronous SQLite keeps one per query shape and
 * key-count bucket; the other dialects run the same requests unprepared) and reused include plans:
 * whatever was prepared or planned first, every later request gets its own keys, scope and filter
 * values.
 */
import { describe, expect, it } from "vitest";
import { keyBucket, keyValues } from "../../src/resource/relations/related-statements";
import { send } from "../helpers/app";
import { eachBlogDialect } from "../helpers/blog";
import { blogApp, seedBlog } from "../helpers/blog-app";

type Insert = { insert(table: unknown): { values(rows: unknown): PromiseLike<unknown> } };

describe("key buckets", () => {
  it("are exact up to 8, multiples of 8 up to 64, then powers of two up to 1024", () => {
    expect([0, 1, 7, 8, 9, 20, 64, 65, 100, 1024, 1025].map(keyBucket)).toEqual([
      null,
      1,
      7,
      8,
      16,
      24,
      64,
      128,
      128,
      1024,
      null,
    ]);
  });

  it("pad a key list by repeating its last key", () => {
    expect(keyValues([10, 20, 30], 5)).toEqual([10, 20, 30, 30, 30]);
  });
});

eachBlogDialect("relations through reused statements", (use) => {
  it("answers every page size and every page with its own related rows", async () => {
    const b = use();
    await seedBlog(b, 20);
    const app = blogApp(b);
    const include = encodeURIComponent("author,comments(limit:2),tags");
    for (const limit of [1, 2, 3, 5, 9, 17, 20, 3, 1]) {
      const res = await send(app, "GET", `/api/posts?limit=${limit}&orderBy=id&include=${include}`);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain("__covara");
      expect(res.body.items).toHaveLength(limit);
      for (const post of res.body.items) {
        expect(post.author.name, `post ${post.id}`).toBe(post.id % 2 === 1 ? "Ann" : "Ben");
        expect(post.comments.map((c: any) => c.body)).toEqual([`c${post.id}.1`, `c${post.id}.2`]);
        expect(post.tags.map((t: any) => t.label)).toEqual(
          post.id === 1 ? ["news", "tech"] : post.id === 2 ? ["tech"] : [],
        );
      }
    }
    // The next page has as many keys as the first, so it runs the statement the first page prepared.
    const first = await send(app, "GET", `/api/posts?limit=4&orderBy=id&include=${include}`);
    const second = await send(
      app,
      "GET",
      `/api/posts?limit=4&orderBy=id&include=${include}&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((p: any) => p.id)).toEqual([5, 6, 7, 8]);
    expect(second.body.items.map((p: any) => p.comments[0].body)).toEqual(["c5.1", "c6.1", "c7.1", "c8.1"]);
  });

  it("never carries one user's read scope over to another user with the same include", async () => {
    const b = use();
    await seedBlog(b, 4);
    const app = blogApp(b, {
      authors: { auth: { read: (user) => `team==${String(user.team)}` } },
      comments: { auth: { read: (user) => (user.team === "red" ? "hidden==false" : true) } },
    });
    for (const team of ["red", "blue", "red", "blue"]) {
      const res = await send(app, "GET", "/api/posts?orderBy=id&include=author,comments", { user: { id: 1, team } });
      expect(res.status).toBe(200);
      const names = res.body.items.map((p: any) => p.author?.name ?? null);
      expect(names, team).toEqual(team === "red" ? ["Ann", null, "Ann", null] : [null, "Ben", null, "Ben"]);
      expect(res.body.items[0].comments, team).toHaveLength(team === "red" ? 2 : 3);
    }
  });

  it("binds each request's include filter values", async () => {
    const b = use();
    await seedBlog(b, 2);
    const app = blogApp(b);
    for (const body of ["c1.1", "c1.2", "c1.1", "c1.3"]) {
      const res = await send(
        app,
        "GET",
        `/api/posts/1?include=${encodeURIComponent(`comments(filter:body==${body})`)}`,
      );
      expect(res.body.comments.map((c: any) => c.body)).toEqual([body]);
    }
  });

  it("plans a repeated include per resource, and refuses a bad one every time", async () => {
    const b = use();
    await seedBlog(b, 2);
    const app = blogApp(b);
    for (let i = 0; i < 2; i++) {
      const post = await send(app, "GET", "/api/posts/2?include=author");
      expect(post.body.author.name).toBe("Ben");
      // The same text on another resource names that resource's own relation.
      const comment = await send(app, "GET", "/api/comments/1?include=author");
      expect(comment.body.author.name).toBe("Ann");
      const bad = await send(app, "GET", "/api/tags?include=author");
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe("INVALID_PARAMETER");
    }
  });

  it("loads more keys than a prepared statement takes, still in one query", async () => {
    const b = use();
    const db = b.db as unknown as Insert;
    const authorCount = 1100;
    await db.insert(b.authors).values(Array.from({ length: authorCount }, (_, i) => ({ name: `a${i + 1}` })));
    await db.insert(b.posts).values(Array.from({ length: 11 }, (_, i) => ({ title: `p${i + 1}`, authorId: 1 })));
    // 100 comments per post, each by its own author: 1,100 distinct author keys one level down.
    await db.insert(b.comments).values(
      Array.from({ length: authorCount }, (_, i) => ({
        body: `c${i + 1}`,
        postId: Math.floor(i / 100) + 1,
        authorId: i + 1,
      })),
    );
    b.queries.length = 0;
    const res = await send(
      blogApp(b),
      "GET",
      `/api/posts?limit=11&orderBy=id&include=${encodeURIComponent("comments(limit:100).author")}`,
    );
    expect(res.status).toBe(200);
    expect(b.queries).toHaveLength(3);
    const comments = res.body.items.flatMap((p: any) => p.comments);
    expect(comments).toHaveLength(authorCount);
    for (const comment of comments) expect(comment.author.name).toBe(`a${comment.authorId}`);
  });
});
