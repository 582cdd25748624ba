/**
 * One include-benchmark server per process:
 * `node --import tsx bench/include-server.ts <covara|hono|hono-prepared> <sqlite file>`.
 * Prints `READY <url>` on stdout once listening; exits cleanly on SIGTERM/SIGINT (so
 * `--cpu-prof` gets to write its profile).
 *
 * Every variant answers `GET /api/posts?limit=20&include=author,comments(limit:5)` with
 * `{ items, nextCursor, hasMore }`, each post carrying `author` (or null) and its first 5
 * `comments` by id, and all run on covara's `startServer`, so they pay the same adapter cost.
 * The apps are exported too, for the no-HTTP check in `include-inprocess.ts`.
 */
import { fileURLToPath } from "node:url";
import { asc, inArray, lte, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { Hono } from "hono";
import { createCovara } from "../src";
import { startServer } from "../src/node";
import { COMMENTS_LIMIT, PAGE_SIZE, authors, comments, openIncludeDatabase, posts } from "./include-shared";
import { serveUntilSignalled } from "./serve";

const MAX_LIMIT = 100;

export type Variant = "covara" | "hono" | "hono-prepared";
type FetchApp = { fetch(request: Request): Response | Promise<Response> };
type Post = typeof posts.$inferSelect;
type Author = typeof authors.$inferSelect;
type Comment = typeof comments.$inferSelect;

/** The page size asked for, clamped like covara does, so all variants honour `limit`. */
function pageSize(text: string | undefined): number {
  const limit = text ? Number.parseInt(text, 10) : PAGE_SIZE;
  return Number.isFinite(limit) && limit >= 1 ? Math.min(limit, MAX_LIMIT) : PAGE_SIZE;
}

/** An opaque "after this id" cursor, as a hand-written endpoint would hand out. */
function cursorAfter(post: Post): string {
  return Buffer.from(JSON.stringify([post.id])).toString("base64url");
}

/** Attaches authors and comments (already in id order per post) to a page of posts. */
function assemble(page: Post[], authorRows: Author[], commentRows: Comment[]) {
  const authorById = new Map(authorRows.map((author) => [author.id, author]));
  const commentsByPost = new Map<number, Comment[]>();
  for (const comment of commentRows) {
    const list = commentsByPost.get(comment.postId);
    if (list) list.push(comment);
    else commentsByPost.set(comment.postId, [comment]);
  }
  return page.map((post) => ({
    ...post,
    author: authorById.get(post.authorId) ?? null,
    comments: commentsByPost.get(post.id) ?? [],
  }));
}

/** covara: three resources, posts with its two relations, public read. */
export function covaraApp(file: string): FetchApp {
  const db = drizzle({ client: openIncludeDatabase(file) });
  const read = { public: { read: true } } as const;
  const app = createCovara()
    .resource("/authors", authors, { id: authors.id, db, name: "authors", auth: read })
    .resource("/posts", posts, {
      id: posts.id,
      db,
      name: "posts",
      auth: read,
      pagination: { maxLimit: MAX_LIMIT },
      relations: {
        author: {
          type: "belongsTo",
          resource: "authors",
          schema: authors,
          foreignKey: posts.authorId,
          references: authors.id,
        },
        comments: {
          type: "hasMany",
          resource: "comments",
          schema: comments,
          foreignKey: comments.postId,
          references: posts.id,
        },
      },
    })
    .resource("/comments", comments, { id: comments.id, db, name: "comments", auth: read });
  return app;
}

/** What a competent hand-written endpoint does: three queries, built with Drizzle per request. */
export function honoApp(file: string): FetchApp {
  const db = drizzle({ client: openIncludeDatabase(file) });
  const app = new Hono();
  app.get("/api/posts", async (c) => {
    const limit = pageSize(c.req.query("limit"));
    const rows = await db
      .select()
      .from(posts)
      .orderBy(asc(posts.id))
      .limit(limit + 1);
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    if (page.length === 0) return c.json({ items: [], nextCursor: null, hasMore: false });

    const authorIds = [...new Set(page.map((post) => post.authorId))];
    // The first COMMENTS_LIMIT comments of every post on the page, in one query.
    const ranked = db
      .select({
        id: comments.id,
        postId: comments.postId,
        authorId: comments.authorId,
        body: comments.body,
        createdAt: comments.createdAt,
        rank: sql<number>`row_number() over (partition by ${comments.postId} order by ${comments.id})`.as("rank"),
      })
      .from(comments)
      .where(
        inArray(
          comments.postId,
          page.map((post) => post.id),
        ),
      )
      .as("ranked");
    const [authorRows, commentRows] = await Promise.all([
      db.select().from(authors).where(inArray(authors.id, authorIds)),
      db
        .select({
          id: ranked.id,
          postId: ranked.postId,
          authorId: ranked.authorId,
          body: ranked.body,
          createdAt: ranked.createdAt,
        })
        .from(ranked)
        .where(lte(ranked.rank, COMMENTS_LIMIT))
        .orderBy(ranked.postId, ranked.id),
    ]);
    const items = assemble(page, authorRows, commentRows);
    return c.json({ items, nextCursor: hasMore ? cursorAfter(page[page.length - 1]!) : null, hasMore });
  });
  return app;
}

/**
 * The same handler tuned for SQLite: all three statements prepared once, the key lists bound as
 * one JSON array each (`in (select value from json_each(?))`) so the statements do not depend on
 * how many keys a page has.
 */
export function honoPreparedApp(file: string): FetchApp {
  const db = drizzle({ client: openIncludeDatabase(file) });
  const pageQuery = db.select().from(posts).orderBy(asc(posts.id)).limit(sql.placeholder("limit")).prepare();
  const authorQuery = db
    .select()
    .from(authors)
    .where(sql`${authors.id} in (select value from json_each(${sql.placeholder("ids")}))`)
    .prepare();
  const ranked = db
    .select({
      id: comments.id,
      postId: comments.postId,
      authorId: comments.authorId,
      body: comments.body,
      createdAt: comments.createdAt,
      rank: sql<number>`row_number() over (partition by ${comments.postId} order by ${comments.id})`.as("rank"),
    })
    .from(comments)
    .where(sql`${comments.postId} in (select value from json_each(${sql.placeholder("postIds")}))`)
    .as("ranked");
  const commentQuery = db
    .select({
      id: ranked.id,
      postId: ranked.postId,
      authorId: ranked.authorId,
      body: ranked.body,
      createdAt: ranked.createdAt,
    })
    .from(ranked)
    .where(lte(ranked.rank, sql.placeholder("perPost")))
    .orderBy(ranked.postId, ranked.id)
    .prepare();
  const app = new Hono();
  app.get("/api/posts", (c) => {
    const limit = pageSize(c.req.query("limit"));
    const rows = pageQuery.all({ limit: limit + 1 });
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    const authorIds = JSON.stringify([...new Set(page.map((post) => post.authorId))]);
    const authorRows = authorQuery.all({ ids: authorIds });
    const commentRows = commentQuery.all({
      postIds: JSON.stringify(page.map((post) => post.id)),
      perPost: COMMENTS_LIMIT,
    });
    const items = assemble(page, authorRows, commentRows);
    return c.json({ items, nextCursor: hasMore ? cursorAfter(page[page.length - 1]!) : null, hasMore });
  });
  return app;
}

/** The variants by name. */
export const APPS: Record<Variant, (file: string) => FetchApp> = {
  covara: covaraApp,
  hono: honoApp,
  "hono-prepared": honoPreparedApp,
};

async function main(): Promise<void> {
  const [variant, file] = process.argv.slice(2) as [Variant | undefined, string | undefined];
  if (!file || !variant || !Object.hasOwn(APPS, variant)) {
    console.error("usage: include-server.ts <covara|hono|hono-prepared> <sqlite file>");
    process.exit(2);
  }
  const server = await startServer(APPS[variant](file), { port: 0, hostname: "127.0.0.1", shutdown: false });
  serveUntilSignalled(server);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
