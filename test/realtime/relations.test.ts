/**
 * Included relations in subscriptions ("Applies to subscriptions"): embedded in the snapshot and
 * in every added/changed row, scope-filtered per subscriber with the same deny semantics as the
 * read path. Every dialect, over the blog schema.
 */
import { afterEach, expect, it } from "vitest";
import { blogApp, seedBlog } from "../helpers/blog-app";
import { eachBlogDialect } from "../helpers/blog";
import { send } from "../helpers/app";
import { openSse, type SseReader } from "../helpers/sse";

const readers: SseReader[] = [];
const apps: { realtime: { close(): Promise<void> } }[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.cancel()));
  await Promise.all(apps.splice(0).map((app) => app.realtime.close()));
});

eachBlogDialect("subscriptions with included relations", (use) => {
  it("Applies to subscriptions: relations embedded in subscription events are scope-filtered per subscriber", async () => {
    const b = use();
    await seedBlog(b, 2);
    const app = blogApp(b, {
      authors: { auth: { public: { create: true }, read: (user) => (user.id === 1 ? "team==red" : false) } },
      comments: { auth: { public: { create: true }, read: () => "hidden==false" } },
      posts: { auth: { public: { create: true, update: true }, read: () => true } },
    });
    apps.push(app);
    const query = "include=author,comments&orderBy=id";
    for (const user of [{ id: 1 }, { id: 2 }]) {
      const list = await send(app, "GET", `/api/posts?${query}`, { user });
      const opened = await openSse(app, `/api/posts/subscribe?${query}`, { user });
      readers.push(opened.reader);
      const [, snapshot] = await opened.reader.take(2);
      expect(snapshot!.data.items).toEqual(list.body.items);
    }
    const [forRed, forDenied] = readers;
    // Ann (team red) writes a new post; each subscriber gets it with what it may read embedded.
    expect((await send(app, "POST", "/api/posts", { body: { title: "p3", authorId: 1 } })).status).toBe(201);
    const [toRed] = await forRed!.take(1);
    const [toDenied] = await forDenied!.take(1);
    expect(toRed!.data.row).toMatchObject({ title: "p3", author: { id: 1, name: "Ann" }, comments: [] });
    expect(toDenied!.data.row).toMatchObject({ title: "p3", author: null, comments: [] });

    // A comment changes nothing in the post's own row; a change to the post re-embeds the comments in scope.
    expect(
      (await send(app, "POST", "/api/comments", { body: { body: "visible", postId: 3, authorId: 2 } })).status,
    ).toBe(201);
    expect(
      (await send(app, "POST", "/api/comments", { body: { body: "hidden", postId: 3, authorId: 2, hidden: true } }))
        .status,
    ).toBe(201);
    expect((await send(app, "PATCH", "/api/posts/3", { body: { title: "p3!" } })).status).toBe(200);
    const [changed] = await forRed!.take(1);
    expect(changed!.event).toBe("changed");
    expect(changed!.data.row.comments.map((comment: any) => comment.body)).toEqual(["visible"]);
    const list = await send(app, "GET", `/api/posts/3?include=author,comments`, { user: { id: 1 } });
    expect(changed!.data.row).toEqual(list.body);
  });

  it("refuses an include the list endpoint refuses, with the same problem", async () => {
    const app = blogApp(use());
    apps.push(app);
    for (const include of ["nosuch", "author(limit:abc)", "(("]) {
      const list = await send(app, "GET", `/api/posts?include=${encodeURIComponent(include)}`);
      const live = await openSse(app, `/api/posts/subscribe?include=${encodeURIComponent(include)}`);
      expect([include, list.status]).toEqual([include, 400]);
      expect(live.status).toBe(400);
      expect(live.problem).toEqual(list.body);
    }
  });
});
