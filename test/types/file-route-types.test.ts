/**
 * Type tests: a file route's input is typed from its schema (`defineRoute`), the principal from
 * the kernel. They fail `npm run typecheck` when inference breaks; at run time they are no-ops.
 */
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { defineRoute, type Principal, type RawQuery, type RouteContext } from "../../src/server";

describe("file route types", () => {
  it("types body, query and params from the schema's output", () => {
    defineRoute(
      {
        body: z.object({ title: z.string(), views: z.coerce.number().default(0) }),
        query: z.object({ page: z.coerce.number().optional() }),
        params: z.object({ id: z.coerce.number() }),
      },
      ({ input, principal }) => {
        expectTypeOf(input.body).toEqualTypeOf<{ title: string; views: number }>();
        expectTypeOf(input.query).toEqualTypeOf<{ page?: number | undefined }>();
        expectTypeOf(input.params).toEqualTypeOf<{ id: number }>();
        expectTypeOf(principal).toEqualTypeOf<Principal>();
        expectTypeOf(principal.highest_clearance).toEqualTypeOf<number>();
        return null;
      },
    );
  });

  it("leaves the parts without a schema raw, and the body absent", () => {
    defineRoute({}, ({ input }) => {
      expectTypeOf(input.body).toEqualTypeOf<undefined>();
      expectTypeOf(input.query).toEqualTypeOf<RawQuery>();
      expectTypeOf(input.params).toEqualTypeOf<Record<string, string>>();
    });
  });

  it("types a plain handler's body as unknown (its schema comes from another file)", () => {
    expectTypeOf<RouteContext["input"]["body"]>().toEqualTypeOf<unknown>();
    expectTypeOf<RouteContext["input"]["query"]>().toEqualTypeOf<RawQuery>();
  });

  it("refuses a handler that reads what its schema does not declare", () => {
    defineRoute({ body: z.object({ title: z.string() }) }, ({ input }) => {
      // @ts-expect-error: the schema has no `views`
      return input.body.views;
    });
    defineRoute({ params: z.object({ id: z.coerce.number() }) }, ({ input }) => {
      // @ts-expect-error: id is a number after the schema's coercion
      const id: string = input.params.id;
      return id;
    });
  });
});
