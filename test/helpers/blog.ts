/**
 * A blog schema (authors, posts, comments, tags through post_tags) on every dialect, with a
 * counter of the SQL statements each database ran — relations promise a fixed number of queries.
 */
import type { Table } from "drizzle-orm";
import {
  boolean,
  integer as pgInteger,
  pgTable,
  primaryKey as pgPrimaryKey,
  serial,
  text as pgText,
  timestamp,
} from "drizzle-orm/pg-core";
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterAll, beforeAll, beforeEach, describe } from "vitest";
import { pushTables } from "../../src/db";
import type { AnyDatabase, Dialect } from "../../src/kernel/dialect";
import { dialectTargets, emptyTables, type DialectTarget } from "./dialects";
import { driverTargets, registerFor } from "./drivers";

function sqliteBlog() {
  const authors = sqliteTable("authors", {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    email: text("email"),
    team: text("team").notNull().default("red"),
  });
  const posts = sqliteTable("posts", {
    id: integer("id").primaryKey({ autoIncrement: true }),
    title: text("title").notNull(),
    authorId: integer("author_id").references(() => authors.id),
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
  });
  const comments = sqliteTable("comments", {
    id: integer("id").primaryKey({ autoIncrement: true }),
    body: text("body").notNull(),
    postId: integer("post_id")
      .notNull()
      .references(() => posts.id),
    authorId: integer("author_id").references(() => authors.id),
    hidden: integer("hidden", { mode: "boolean" }).notNull().default(false),
  });
  const tags = sqliteTable("tags", {
    id: integer("id").primaryKey({ autoIncrement: true }),
    label: text("label").notNull(),
  });
  const postTags = sqliteTable(
    "post_tags",
    {
      postId: integer("post_id")
        .notNull()
        .references(() => posts.id),
      tagId: integer("tag_id")
        .notNull()
        .references(() => tags.id),
    },
    (t) => [primaryKey({ columns: [t.postId, t.tagId] })],
  );
  return { authors, posts, comments, tags, postTags };
}

function pgBlog(suffix = "") {
  const authors = pgTable(`authors${suffix}`, {
    id: serial("id").primaryKey(),
    name: pgText("name").notNull(),
    email: pgText("email"),
    team: pgText("team").notNull().default("red"),
  });
  const posts = pgTable(`posts${suffix}`, {
    id: serial("id").primaryKey(),
    title: pgText("title").notNull(),
    authorId: pgInteger("author_id").references(() => authors.id),
    deletedAt: timestamp("deleted_at", { withTimezone: true, mode: "date" }),
  });
  const comments = pgTable(`comments${suffix}`, {
    id: serial("id").primaryKey(),
    body: pgText("body").notNull(),
    postId: pgInteger("post_id")
      .notNull()
      .references(() => posts.id),
    authorId: pgInteger("author_id").references(() => authors.id),
    hidden: boolean("hidden").notNull().default(false),
  });
  const tags = pgTable(`tags${suffix}`, { id: serial("id").primaryKey(), label: pgText("label").notNull() });
  const postTags = pgTable(
    `post_tags${suffix}`,
    {
      postId: pgInteger("post_id")
        .notNull()
        .references(() => posts.id),
      tagId: pgInteger("tag_id")
        .notNull()
        .references(() => tags.id),
    },
    (t) => [pgPrimaryKey({ columns: [t.postId, t.tagId] })],
  );
  return { authors, posts, comments, tags, postTags };
}

type SqliteBlog = ReturnType<typeof sqliteBlog>;
type PgBlog = ReturnType<typeof pgBlog>;

export interface BlogDatabase {
  name: string;
  db: AnyDatabase;
  authors: SqliteBlog["authors"] | PgBlog["authors"];
  posts: SqliteBlog["posts"] | PgBlog["posts"];
  comments: SqliteBlog["comments"] | PgBlog["comments"];
  tags: SqliteBlog["tags"] | PgBlog["tags"];
  postTags: SqliteBlog["postTags"] | PgBlog["postTags"];
  /** SQL statements run since the last reset of the counter. */
  queries: string[];
  reset(): Promise<void>;
  close(): Promise<void>;
}

function tableList(blog: SqliteBlog | PgBlog): Table[] {
  return [blog.authors, blog.posts, blog.comments, blog.tags, blog.postTags];
}

async function empty(db: AnyDatabase, tables: Table[], dialect: Dialect): Promise<void> {
  // Children first, so SQLite's foreign keys never see a dangling row.
  await emptyTables(db, [...tables].reverse(), dialect);
}

async function openBlog(target: DialectTarget): Promise<BlogDatabase> {
  const queries: string[] = [];
  const logger = { logQuery: (query: string) => void queries.push(query) };
  const connection = await driverTargets[target.name].connect({ logger });
  const blog = target.dialect === "sqlite" ? sqliteBlog() : pgBlog();
  await pushTables(connection.db, tableList(blog));
  return {
    name: target.name,
    db: connection.db,
    ...blog,
    queries,
    reset: () => empty(connection.db, tableList(blog), target.dialect),
    close: () => connection.close(),
  };
}

const reasons = await Promise.all(dialectTargets.map((target) => target.skipReason()));

/** `describe` per dialect over the blog schema; `use()` returns the open database. */
export function eachBlogDialect(title: string, body: (use: () => BlogDatabase) => void): void {
  for (const [i, target] of dialectTargets.entries()) {
    describe.skipIf(reasons[i] !== null)(`${title} [${target.name}]`, () => {
      let database: BlogDatabase | undefined;
      beforeAll(async () => {
        database = await openBlog(target);
      });
      beforeEach(async () => {
        await database!.reset();
        database!.queries.length = 0;
      });
      afterAll(async () => {
        await database?.close();
      });
      registerFor(target.name, () => body(() => database!));
    });
  }
}
