/**
 * What the include benchmark's variants share: the blog tables (authors, posts, comments), the
 * seeded data set and the request under test. `include.ts` seeds the file once per run; each
 * server process opens it read-only.
 *
 * Comments are inserted in a shuffled order, so one post's comments do not sit in a block of
 * consecutive ids: "the first 5 comments of a post" then really needs the per-post ranking rather
 * than falling out of the storage order. Indexes: `comments(post_id)` (the hasMany lookup; SQLite
 * appends the rowid, so it also yields each post's comments in id order) and the primary keys.
 */
import Database from "better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { prng } from "./shared";

export const authors = sqliteTable("authors", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  email: text("email").notNull(),
});

export const posts = sqliteTable("posts", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  title: text("title").notNull(),
  authorId: integer("author_id")
    .notNull()
    .references(() => authors.id),
  createdAt: integer("created_at").notNull(),
});

export const comments = sqliteTable("comments", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  postId: integer("post_id")
    .notNull()
    .references(() => posts.id),
  authorId: integer("author_id")
    .notNull()
    .references(() => authors.id),
  body: text("body").notNull(),
  createdAt: integer("created_at").notNull(),
});

export const AUTHOR_COUNT = 1_000;
export const POST_COUNT = 10_000;
export const COMMENTS_PER_POST = 10;
export const PAGE_SIZE = 20;
export const COMMENTS_LIMIT = 5;

/** The request every variant answers, relative to its base URL. */
export const INCLUDE_PATH = `/api/posts?limit=${PAGE_SIZE}&include=${encodeURIComponent(`author,comments(limit:${COMMENTS_LIMIT})`)}`;

const SCHEMA = `
  create table authors (
    id integer primary key autoincrement,
    name text not null,
    email text not null
  );
  create table posts (
    id integer primary key autoincrement,
    title text not null,
    author_id integer not null references authors(id),
    created_at integer not null
  );
  create table comments (
    id integer primary key autoincrement,
    post_id integer not null references posts(id),
    author_id integer not null references authors(id),
    body text not null,
    created_at integer not null
  );
  create index comments_post_id_idx on comments (post_id);
`;

const WORDS = [
  "alpha",
  "bravo",
  "cedar",
  "delta",
  "ember",
  "fjord",
  "gamma",
  "harbor",
  "indigo",
  "juniper",
  "kelp",
  "lumen",
  "meadow",
  "nectar",
  "orbit",
  "prism",
];

function sentence(random: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(random() * WORDS.length)]!);
  return out.join(" ");
}

/** Creates the three tables with deterministic rows in a new SQLite file. */
export function seedIncludeDatabase(file: string, seed = 7): void {
  const db = new Database(file);
  try {
    db.pragma("journal_mode = DELETE");
    db.exec(SCHEMA);
    const random = prng(seed);
    const epoch = Date.UTC(2022, 0, 1);
    const insertAuthor = db.prepare("insert into authors (name, email) values (?, ?)");
    const insertPost = db.prepare("insert into posts (title, author_id, created_at) values (?, ?, ?)");
    const insertComment = db.prepare("insert into comments (post_id, author_id, body, created_at) values (?, ?, ?, ?)");
    db.transaction(() => {
      for (let i = 1; i <= AUTHOR_COUNT; i++) insertAuthor.run(`Author ${i}`, `author${i}@example.com`);
      for (let i = 1; i <= POST_COUNT; i++) {
        insertPost.run(sentence(random, 5), 1 + Math.floor(random() * AUTHOR_COUNT), epoch + i * 60_000);
      }
      // Every post gets exactly COMMENTS_PER_POST comments, inserted in a shuffled order.
      const postIds: number[] = [];
      for (let p = 1; p <= POST_COUNT; p++) for (let k = 0; k < COMMENTS_PER_POST; k++) postIds.push(p);
      for (let i = postIds.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [postIds[i], postIds[j]] = [postIds[j]!, postIds[i]!];
      }
      for (const [i, postId] of postIds.entries()) {
        insertComment.run(postId, 1 + Math.floor(random() * AUTHOR_COUNT), sentence(random, 12), epoch + i * 1_000);
      }
    })();
  } finally {
    db.close();
  }
}

/** Opens the seeded file for serving: read-only, the same settings for every variant. */
export function openIncludeDatabase(file: string): Database.Database {
  return new Database(file, { readonly: true, fileMustExist: true });
}

/** The expected page, straight from SQLite: what every variant's `items` must equal. */
export function expectedItems(file: string): Record<string, unknown>[] {
  const db = openIncludeDatabase(file);
  try {
    const page = db
      .prepare("select id, title, author_id as authorId, created_at as createdAt from posts order by id limit ?")
      .all(PAGE_SIZE) as Record<string, unknown>[];
    const author = db.prepare("select id, name, email from authors where id = ?");
    const firstComments = db.prepare(
      "select id, post_id as postId, author_id as authorId, body, created_at as createdAt from comments where post_id = ? order by id limit ?",
    );
    return page.map((post) => ({
      ...post,
      author: author.get(post.authorId) ?? null,
      comments: firstComments.all(post.id, COMMENTS_LIMIT),
    }));
  } finally {
    db.close();
  }
}
