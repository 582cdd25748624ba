/**
 * `<Live>`'s props are typed from the table: `render` gets the table's row, an aggregate region's
 * `render` gets groups, and a region mixing the two or a helper given the wrong thing does not
 * compile (checked by `npm run typecheck`; the runtime assertion only keeps vitest honest).
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { Live, type LiveGroup, type LiveHelpers } from "../../src/htmx";
import { todos } from "./fixtures/todo-app";

// Called as functions, the way JSX calls components: the props are checked the same way.
function pages() {
  return [
    Live({
      resource: todos,
      render: (t, c) => {
        expectTypeOf(t.title).toEqualTypeOf<string>();
        expectTypeOf(t.done).toEqualTypeOf<boolean>();
        expectTypeOf(c).toEqualTypeOf<LiveHelpers>();
        return c.row(t.id).id;
      },
    }),
    Live({
      resource: todos,
      aggregate: { groupBy: "done" },
      render: (groups) => {
        expectTypeOf(groups).toEqualTypeOf<LiveGroup[]>();
        return String(groups.length);
      },
    }),
    // @ts-expect-error: the row has no such column.
    Live({ resource: todos, render: (t) => t.nope }),
    // @ts-expect-error: update values are plain form values, not objects.
    Live({ resource: todos, render: (t, c) => c.update(t.id, { done: { nested: true } }).id }),
  ];
}

describe("<Live> types", () => {
  it("compile as declared", () => {
    expect(typeof pages).toBe("function");
  });
});
