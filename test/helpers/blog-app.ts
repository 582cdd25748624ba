/**
 * The blog as a covara app: authors, posts (soft delete), comments, tags, with explicit relations
 * and the test's header identity. Rows are seeded straight into the database.
 */
import { createCovara, type CovaraApp, type ResourceConfig } from "../../src";
import type { BlogDatabase } from "./blog";

export const OPEN = { public: { read: true, create: true, update: true, delete: true } } as const;

type Overrides = {
  authors?: Partial<ResourceConfig<BlogDatabase["authors"]>>;
  posts?: Partial<ResourceConfig<BlogDatabase["posts"]>>;
  comments?: Partial<ResourceConfig<BlogDatabase["comments"]>>;
  tags?: Partial<ResourceConfig<BlogDatabase["tags"]>> | false;
};

export function blogApp(b: BlogDatabase, overrides: Overrides = {}): CovaraApp {
  const app = createCovara({
    authenticate: (c) => {
      const header = c.req.header("x-test-user");
      return header ? JSON.parse(header) : null;
    },
  })
    .resource("/authors", b.authors, { id: b.authors.id, db: b.db, name: "authors", auth: OPEN, ...overrides.authors })
    .resource("/posts", b.posts, {
      id: b.posts.id,
      db: b.db,
      name: "posts",
      auth: OPEN,
      softDelete: { field: "deletedAt" },
      relations: {
        author: {
          type: "belongsTo",
          resource: "authors",
          schema: b.authors,
          foreignKey: b.posts.authorId,
          references: b.authors.id,
        },
        comments: {
          type: "hasMany",
          resource: "comments",
          schema: b.comments,
          foreignKey: b.comments.postId,
          references: b.posts.id,
        },
        tags: {
          type: "manyToMany",
          resource: "tags",
          schema: b.tags,
          through: b.postTags,
          foreignKey: b.postTags.postId,
          targetForeignKey: b.postTags.tagId,
        },
        firstComment: {
          type: "hasOne",
          resource: "comments",
          schema: b.comments,
          foreignKey: b.comments.postId,
          references: b.posts.id,
        },
      },
      ...overrides.posts,
    })
    .resource("/comments", b.comments, {
      id: b.comments.id,
      db: b.db,
      name: "comments",
      auth: OPEN,
      relations: {
        author: {
          type: "belongsTo",
          resource: "authors",
          schema: b.authors,
          foreignKey: b.comments.authorId,
          references: b.authors.id,
        },
        post: {
          type: "belongsTo",
          resource: "posts",
          schema: b.posts,
          foreignKey: b.comments.postId,
          references: b.posts.id,
        },
      },
      ...overrides.comments,
    });
  if (overrides.tags !== false)
    app.resource("/tags", b.tags, { id: b.tags.id, db: b.db, name: "tags", auth: OPEN, ...overrides.tags });
  return app;
}

type Insert = { insert(table: unknown): { values(rows: unknown): PromiseLike<unknown> } };

/** Seeds authors, posts (3 comments each), tags; returns nothing, ids are 1-based in order. */
export async function seedBlog(b: BlogDatabase, posts = 4): Promise<void> {
  const db = b.db as unknown as Insert;
  await db.insert(b.authors).values([
    { name: "Ann", email: "ann@x.io", team: "red" },
    { name: "Ben", email: "ben@x.io", team: "blue" },
  ]);
  const postRows = Array.from({ length: posts }, (_, i) => ({ title: `p${i + 1}`, authorId: (i % 2) + 1 }));
  // In chunks: D1 binds at most 100 values per statement.
  for (let i = 0; i < postRows.length; i += 12) await db.insert(b.posts).values(postRows.slice(i, i + 12));
  const comments = [];
  for (let p = 1; p <= posts; p++) {
    for (let k = 1; k <= 3; k++)
      comments.push({ body: `c${p}.${k}`, postId: p, authorId: ((p + k) % 2) + 1, hidden: k === 3 });
  }
  for (let i = 0; i < comments.length; i += 12) await db.insert(b.comments).values(comments.slice(i, i + 12));
  await db.insert(b.tags).values([{ label: "news" }, { label: "tech" }]);
  await db.insert(b.postTags).values(
    [
      { postId: 1, tagId: 1 },
      { postId: 1, tagId: 2 },
      { postId: 2, tagId: 2 },
    ].filter((link) => link.postId <= posts),
  );
  b.queries.length = 0;
}
