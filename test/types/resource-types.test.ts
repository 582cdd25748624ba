/**
 * Type tests: the table's types reach the resource config and hooks without casts. These fail
 * `npm run typecheck` when the inference breaks; at run time they are no-ops.
 */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { describe, expectTypeOf, it } from "vitest";
import type { ColumnKey, ResourceConfig, ResourceHooks } from "../../src";

const posts = sqliteTable("posts", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  title: text("title").notNull(),
  body: text("body"),
  authorId: integer("author_id").notNull(),
});

describe("resource types", () => {
  it("derives column keys from the table", () => {
    expectTypeOf<ColumnKey<typeof posts>>().toEqualTypeOf<"id" | "title" | "body" | "authorId">();
  });

  it("limits field allowlists to the table's columns", () => {
    type Fields = NonNullable<ResourceConfig<typeof posts>["fields"]>;
    expectTypeOf<NonNullable<Fields["writable"]>>().toEqualTypeOf<("id" | "title" | "body" | "authorId")[]>();
    // @ts-expect-error: not a column of posts
    const bad: Fields = { readable: ["password"] };
    void bad;
  });

  it("types hook rows from the table", () => {
    type Hooks = ResourceHooks<typeof posts>;
    type AfterCreateRow = Parameters<NonNullable<Hooks["onAfterCreate"]>>[1];
    expectTypeOf<AfterCreateRow>().toEqualTypeOf<{
      id: number;
      title: string;
      body: string | null;
      authorId: number;
    }>();
    type CreateInput = Parameters<NonNullable<Hooks["onBeforeCreate"]>>[1];
    expectTypeOf<CreateInput["title"]>().toEqualTypeOf<string | undefined>();
  });
});
