/**
 * Type tests: a client typed by an app type (`"~covara"`) or a plain CovaraTypeInfo map infers
 * each resource's row, create and update bodies, `select` narrowing and procedure input/output;
 * unknown paths fall back to a generic row; `resource<Row>(path)` types a path by hand.
 */
import { describe, expectTypeOf, it } from "vitest";
import { createClient, type CovaraTypeInfo, type Page } from "../../src/client";

interface UserRow {
  id: number;
  name: string;
  email: string;
  age: number | null;
}

/** What the server's app type carries (hand-written until the server's own type lands). */
interface Fixture extends CovaraTypeInfo {
  resources: {
    "/api/users": {
      row: UserRow;
      create: { name: string; email: string; age?: number | null };
      update: { name?: string; email?: string; age?: number | null };
      procedures: {
        greet: { input: { name: string }; output: { message: string } };
      };
    };
  };
}
type FakeApp = {
  readonly "~covara": Fixture;
  fetch(request: Request): Promise<Response>;
};

describe("client types", () => {
  // The checks are compiled, never run (they would send requests): tsc is the test runner here.
  it("infers rows, bodies, select narrowing and procedures from an app type and from a map", () => {
    const compiledOnly = () => {
      for (const client of [createClient<FakeApp>({ baseUrl: "" }), createClient<Fixture>({ baseUrl: "" })]) {
        const users = client.resource("/api/users");
        expectTypeOf(users.get(1)).resolves.toEqualTypeOf<UserRow>();
        expectTypeOf(users.list()).resolves.toEqualTypeOf<Page<UserRow>>();
        expectTypeOf(users.list({ select: ["id", "name"] })).resolves.toEqualTypeOf<
          Page<Pick<UserRow, "id" | "name">>
        >();
        expectTypeOf(users.get(1, { select: ["email"] })).resolves.toEqualTypeOf<Pick<UserRow, "email">>();
        expectTypeOf(users.rpc("greet", { name: "x" })).resolves.toEqualTypeOf<{
          message: string;
        }>();
        expectTypeOf(users.create).parameter(0).toEqualTypeOf<{
          name: string;
          email: string;
          age?: number | null;
        }>();
        // @ts-expect-error a create body missing a required field does not compile
        void users.create({ name: "x" });
        // @ts-expect-error an unknown procedure does not compile
        void users.rpc("nope", {});
        // @ts-expect-error a procedure input of the wrong shape does not compile
        void users.rpc("greet", { name: 1 });
        // @ts-expect-error a patch with a wrong type does not compile
        void users.update(1, { age: "old" });
      }
    };
    expectTypeOf(compiledOnly).toBeFunction();
  });

  it("falls back to a generic row for unknown paths, and resource<Row>(path) types one by hand", () => {
    const compiledOnly = () => {
      const client = createClient<Fixture>({ baseUrl: "" });
      expectTypeOf(client.resource("/api/other").get(1)).resolves.toEqualTypeOf<Record<string, unknown>>();
      expectTypeOf(client.resource<{ id: string; title: string }>("/api/notes").get("a")).resolves.toEqualTypeOf<{
        id: string;
        title: string;
      }>();
      const untyped = createClient({ baseUrl: "" });
      expectTypeOf(untyped.resource("/api/users").get(1)).resolves.toEqualTypeOf<Record<string, unknown>>();
    };
    expectTypeOf(compiledOnly).toBeFunction();
  });
});
