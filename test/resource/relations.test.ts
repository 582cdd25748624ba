import { expect, it } from "vitest";
import { send } from "../helpers/app";
import { eachBlogDialect } from "../helpers/blog";
import { blogApp, seedBlog } from "../helpers/blog-app";

eachBlogDialect("relations", (use) => {
  it("includes belongsTo, hasMany, hasOne and manyToMany relations on a list", async () => {
    const b = use();
    await seedBlog(b, 2);
    const res = await send(blogApp(b), "GET", "/api/posts?include=author,comments,tags,firstComment&orderBy=id");
    expect(res.status).toBe(200);
    const [p1, p2] = res.body.items;
    expect(p1.author).toEqual({ id: 1, name: "Ann", email: "ann@x.io", team: "red" });
    expect(p2.author.name).toBe("Ben");
    expect(p1.comments.map((c: any) => c.body)).toEqual(["c1.1", "c1.2", "c1.3"]);
    expect(p1.firstComment.body).toBe("c1.1");
    expect(p1.tags.map((t: any) => t.label)).toEqual(["news", "tech"]);
    expect(p2.tags).toEqual([{ id: 2, label: "tech" }]);
    expect(JSON.stringify(res.body)).not.toContain("__covara");
  });

  it("applies per-relation options: limit per parent, orderBy, select and filter", async () => {
    const b = use();
    await seedBlog(b, 3);
    const res = await send(
      blogApp(b),
      "GET",
      "/api/posts?include=comments(limit:2,orderBy:-id,select:body),author(select:name)&orderBy=id",
    );
    expect(res.status).toBe(200);
    expect(res.body.items.map((p: any) => p.comments)).toEqual([
      [{ body: "c1.3" }, { body: "c1.2" }],
      [{ body: "c2.3" }, { body: "c2.2" }],
      [{ body: "c3.3" }, { body: "c3.2" }],
    ]);
    expect(res.body.items[0].author).toEqual({ name: "Ann" });
    const filtered = await send(
      blogApp(b),
      "GET",
      `/api/posts/1?include=${encodeURIComponent("comments(filter:body=in=(c1.1,c1.3))")}`,
    );
    expect(filtered.body.comments.map((c: any) => c.body)).toEqual(["c1.1", "c1.3"]);
  });

  it("loads nested includes of related rows", async () => {
    const b = use();
    await seedBlog(b, 2);
    const res = await send(blogApp(b), "GET", "/api/posts/1?include=comments(limit:2).author(select:name),author");
    expect(res.status).toBe(200);
    expect(res.body.comments).toEqual([
      { id: 1, body: "c1.1", postId: 1, authorId: 1, hidden: false, author: { name: "Ann" } },
      { id: 2, body: "c1.2", postId: 1, authorId: 2, hidden: false, author: { name: "Ben" } },
    ]);
    expect(res.body.author.name).toBe("Ann");
  });

  it("runs one query per relation per level, never one per row", async () => {
    const b = use();
    await seedBlog(b, 20);
    const app = blogApp(b);
    const include = "author,comments(limit:5).author,tags";
    b.queries.length = 0;
    const small = await send(app, "GET", `/api/posts?limit=2&include=${include}`);
    const smallCount = b.queries.length;
    b.queries.length = 0;
    const large = await send(app, "GET", `/api/posts?limit=20&include=${include}`);
    expect(small.body.items).toHaveLength(2);
    expect(large.body.items).toHaveLength(20);
    // posts + author + comments + comments.author + tags
    expect(smallCount).toBe(5);
    expect(b.queries.length).toBe(5);
  });

  it("Included relations respect target scope: … a relation cannot return rows the user could not read directly", async () => {
    const b = use();
    await seedBlog(b, 2);
    const app = blogApp(b, {
      authors: { auth: { read: () => "team==red" } },
      comments: { auth: { read: () => "hidden==false" } },
    });
    const user = { id: 7 };
    const res = await send(app, "GET", "/api/posts?include=author,comments&orderBy=id", { user });
    expect(res.body.items[0].author.name).toBe("Ann");
    expect(res.body.items[1].author).toBeNull(); // Ben is on the blue team
    expect(res.body.items[0].comments.map((c: any) => c.body)).toEqual(["c1.1", "c1.2"]);
    expect((await send(app, "GET", "/api/authors/2", { user })).status).toBe(404);
  });

  it("Deny semantics: A user denied read on the target resource yields null (belongsTo/hasOne) or an empty array (hasMany/manyToMany)", async () => {
    const b = use();
    await seedBlog(b, 1);
    const app = blogApp(b, {
      authors: { auth: { read: () => false } },
      comments: { auth: { read: () => true } }, // no public read: anonymous callers are denied
      tags: { auth: {} },
    });
    const res = await send(app, "GET", "/api/posts/1?include=author,comments,firstComment,tags");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ author: null, comments: [], firstComment: null, tags: [] });
    const signedIn = await send(app, "GET", "/api/posts/1?include=author,comments", { user: { id: 1 } });
    expect(signedIn.body.author).toBeNull();
    expect(signedIn.body.comments).toHaveLength(3);
  });

  it("masks included rows with the target's readable fields", async () => {
    const b = use();
    await seedBlog(b, 1);
    const app = blogApp(b, { authors: { fields: { readable: ["id", "name"] } } });
    const res = await send(app, "GET", "/api/posts/1?include=author");
    expect(res.body.author).toEqual({ id: 1, name: "Ann" });
    const probe = await send(app, "GET", "/api/posts/1?include=author(select:email)");
    expect(probe.status).toBe(400);
    expect(probe.body).toMatchObject({ code: "INVALID_PARAMETER", parameter: "include", relation: "author" });
  });

  it("never includes soft-deleted rows", async () => {
    const b = use();
    await seedBlog(b, 4);
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
    expect((await send(app, "DELETE", "/api/posts/3")).status).toBe(204);
    const res = await send(app, "GET", "/api/authors/1?include=posts");
    expect(res.body.posts.map((p: any) => p.title)).toEqual(["p1"]);
    const comment = await send(app, "GET", "/api/comments/7?include=post");
    expect(comment.body.post).toBeNull();
  });

  it("Applies to discovered relations: Auto-discovered (autoRelations) relations use the same enforced loader as explicit ones", async () => {
    const b = use();
    await seedBlog(b, 2);
    const app = blogApp(b, {
      posts: { relations: {}, autoRelations: true },
      authors: { autoRelations: true, auth: { public: { read: "team==red" } } },
      comments: { relations: {}, autoRelations: true },
    });
    const post = await send(app, "GET", "/api/posts?include=author,comments(limit:1)&orderBy=id");
    expect(post.status).toBe(200);
    expect(post.body.items.map((p: any) => p.author?.name ?? null)).toEqual(["Ann", null]);
    expect(post.body.items[0].comments).toHaveLength(1);
    const author = await send(app, "GET", "/api/authors/1?include=posts,comments");
    expect(author.body.posts.map((p: any) => p.title)).toEqual(["p1"]);
    expect(author.body.comments.length).toBeGreaterThan(0);
    const comment = await send(app, "GET", "/api/comments/1?include=post,author");
    expect(comment.body.post.title).toBe("p1");
  });

  it("Unregistered targets: relations to tables not registered as resources have no scope to enforce", async () => {
    const b = use();
    await seedBlog(b, 1);
    const res = await send(blogApp(b, { tags: false }), "GET", "/api/posts/1?include=tags");
    expect(res.body.tags.map((t: any) => t.label)).toEqual(["news", "tech"]);
  });

  it("answers every bad include with a 400 naming the parameter, before any query", async () => {
    const b = use();
    await seedBlog(b, 1);
    const app = blogApp(b);
    const cases: [string, RegExp][] = [
      ["nope", /no relation 'nope' \(known: author, comments, tags, firstComment\)/],
      ["comments.post.comments.post", /at most 3/],
      ["author(limit:2)", /only to hasMany/],
      ["comments(limit:0)", /positive integer/],
      ["comments(sort:id)", /Unknown option/],
      ["comments(limit:5", /Unclosed/],
      ["comments)", /Unbalanced/],
      ["comments(limit:1),comments(limit:2)", /different options/],
      ["author,,tags", /empty entry/],
      ["comments(filter:body=oops=1)", /include/],
      ["comments(orderBy:nope)", /Unknown field 'nope'/],
      ["a".repeat(3000), /longer than/],
      [Array.from({ length: 25 }, (_, i) => `r${i}`).join(","), /more than 20 relations|no relation/],
    ];
    for (const [include, detail] of cases) {
      b.queries.length = 0;
      const res = await send(app, "GET", `/api/posts?include=${encodeURIComponent(include)}`);
      expect(res.status, include).toBe(400);
      expect(res.body.code).toBe("INVALID_PARAMETER");
      expect(res.body.detail).toMatch(detail);
      expect(b.queries, include).toEqual([]);
    }
  });
});

eachBlogDialect("relations in OpenAPI", (use) => {
  it("documents the include parameter with the relation names", async () => {
    const res = await send(blogApp(use()), "GET", "/__covara/openapi.json");
    const list = res.body.paths["/api/posts"].get.parameters.find((p: any) => p.name === "include");
    expect(list.description).toContain("author, comments, tags, firstComment");
    expect(res.body.paths["/api/posts/{id}"].get.parameters.some((p: any) => p.name === "include")).toBe(true);
    expect(res.body.paths["/api/tags"].get.parameters.some((p: any) => p.name === "include")).toBe(false);
  });
});
