import { expect, it } from "vitest";
import { send } from "../helpers/app";
import { eachBlogDialect } from "../helpers/blog";
import { blogApp } from "../helpers/blog-app";
import { interactiveTransactions } from "../helpers/drivers";

eachBlogDialect("nested write-through", (use) => {
  const counts = async (app: ReturnType<typeof blogApp>) => ({
    authors: (await send(app, "GET", "/api/authors/count")).body.count,
    posts: (await send(app, "GET", "/api/posts/count")).body.count,
    comments: (await send(app, "GET", "/api/comments/count")).body.count,
  });

  it.skipIf(!interactiveTransactions())(
    "creates a belongsTo parent, the row and hasMany/hasOne children in one POST",
    async () => {
      const app = blogApp(use());
      const res = await send(app, "POST", "/api/posts", {
        body: {
          title: "Hello",
          author: { name: "Nia", team: "blue" },
          comments: [{ body: "first" }, { body: "second", postId: 999 }],
        },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get("location")).toBe("/api/posts/1");
      expect(res.body).toMatchObject({
        id: 1,
        title: "Hello",
        authorId: 1,
        author: { id: 1, name: "Nia", team: "blue" },
        comments: [
          { id: 1, body: "first", postId: 1 },
          { id: 2, body: "second", postId: 1 },
        ],
      });
      const read = await send(app, "GET", "/api/posts/1?include=author,comments");
      expect(read.body.author.name).toBe("Nia");
      expect(read.body.comments.map((c: any) => c.body)).toEqual(["first", "second"]);
      const one = await send(app, "POST", "/api/posts", { body: { title: "Two", firstComment: { body: "only" } } });
      expect(one.status).toBe(201);
      expect(one.body.firstComment).toMatchObject({ body: "only", postId: 2 });
    },
  );

  it.skipIf(!interactiveTransactions())("nests more than one level: a comment's author inside a post", async () => {
    const app = blogApp(use());
    const res = await send(app, "POST", "/api/posts", {
      body: { title: "Deep", comments: [{ body: "c", author: { name: "Zed" } }] },
    });
    expect(res.status).toBe(201);
    expect(res.body.comments[0]).toMatchObject({ body: "c", authorId: 1, author: { name: "Zed" } });
  });

  it("is all-or-nothing: any failure leaves nothing behind", async () => {
    const app = blogApp(use());
    const invalidChild = await send(app, "POST", "/api/posts", {
      body: { title: "T", author: { name: "A" }, comments: [{ body: "ok" }, { body: 5 }] },
    });
    expect(invalidChild.status).toBe(400);
    expect(invalidChild.body).toMatchObject({ code: "VALIDATION_ERROR", path: "comments[1]" });
    const missingParentField = await send(app, "POST", "/api/posts", { body: { title: "T", author: { team: "x" } } });
    expect(missingParentField.status).toBe(400);
    expect(missingParentField.body.path).toBe("author");
    expect(await counts(app)).toEqual({ authors: 0, posts: 0, comments: 0 });
  });

  it.skipIf(!interactiveTransactions())(
    "checks each row's create scope with its real foreign keys, inside the transaction",
    async () => {
      const b = use();
      const app = blogApp(b, {
        // Comments may only be created on post 1; the id is known only once the post is written.
        comments: { auth: { public: { read: true }, create: () => "postId==1" } },
      });
      const user = { id: 1 };
      const first = await send(app, "POST", "/api/posts", {
        body: { title: "one", comments: [{ body: "fine" }] },
        user,
      });
      expect(first.status).toBe(201);
      const second = await send(app, "POST", "/api/posts", {
        body: { title: "two", author: { name: "Q" }, comments: [{ body: "refused" }] },
        user,
      });
      expect(second.status).toBe(403);
      expect(second.body).toMatchObject({ code: "FORBIDDEN", path: "comments[0]" });
      expect(await counts(app)).toEqual({ authors: 0, posts: 1, comments: 1 });
    },
  );

  it.skipIf(!interactiveTransactions())(
    "applies the target's writable allowlist, strictInput and hooks to nested rows",
    async () => {
      const b = use();
      const app = blogApp(b, {
        authors: {
          fields: { writable: ["name"] },
          strictInput: true,
          hooks: { onBeforeCreate: (_ctx, data) => ({ ...data, name: `${data.name}!` }) },
        },
      });
      const strict = await send(app, "POST", "/api/posts", {
        body: { title: "T", author: { name: "A", nickname: "x" } },
      });
      expect(strict.status).toBe(422);
      expect(strict.body.path).toBe("author");
      const ok = await send(app, "POST", "/api/posts", { body: { title: "T", author: { name: "A", team: "blue" } } });
      expect(ok.body.author).toMatchObject({ name: "A!", team: "red" });
    },
  );

  it("refuses cycles, depth, manyToMany, unregistered targets and malformed payloads", async () => {
    const b = use();
    const app = blogApp(b, {
      authors: {
        relations: {
          posts: {
            type: "hasMany",
            resource: "posts",
            schema: b.posts,
            foreignKey: b.posts.authorId,
            references: b.authors.id,
          },
        },
      },
    });
    const cases: [unknown, RegExp, string][] = [
      [
        { title: "T", author: { name: "A", posts: [{ title: "again" }] } },
        /cycle: posts → authors → posts/,
        "author.posts",
      ],
      [{ title: "T", tags: [{ label: "x" }] }, /manyToMany/, "tags"],
      [{ title: "T", author: "Ann" }, /must be an object/, "author"],
      [{ title: "T", comments: { body: "x" } }, /array of objects/, "comments"],
      [{ title: "T", comments: [1] }, /array of objects/, "comments"],
      [{ title: "T", author: { name: "A" }, authorId: 1 }, /either 'author' or 'authorId'/, "author"],
    ];
    for (const [body, detail, path] of cases) {
      const res = await send(app, "POST", "/api/posts", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ code: "NESTED_WRITE_INVALID", path });
      expect(res.body.detail).toMatch(detail);
    }
    const unregistered = await send(blogApp(b, { tags: false, posts: {} }), "POST", "/api/posts", {
      body: { title: "T", tags: [{ label: "x" }] },
    });
    expect(unregistered.status).toBe(400);
    const tooMany = await send(blogApp(b, { comments: { batch: { create: 2 } } }), "POST", "/api/posts", {
      body: { title: "T", comments: [{ body: "1" }, { body: "2" }, { body: "3" }] },
    });
    expect(tooMany.body).toMatchObject({ code: "NESTED_WRITE_INVALID", path: "comments" });
    expect(await counts(app)).toEqual({ authors: 0, posts: 0, comments: 0 });
  });
});
