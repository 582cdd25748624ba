/** Form posts become the resource's JSON: each value in its column's type, or as sent when it is not one. */
import { getTableColumns } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { coerceFormValue, formToJson } from "../../src/kernel/form-values";
import { todos } from "../htmx/fixtures/todo-app";

const columns = getTableColumns(todos);

describe("form values", () => {
  it("converts booleans, numbers and keeps text", () => {
    expect(formToJson(new URLSearchParams("title=Milk&done=on&position=4"), columns)).toEqual({
      title: "Milk",
      done: true,
      position: 4,
    });
    expect(formToJson(new URLSearchParams("done=false"), columns)).toEqual({ done: false });
  });

  it("a repeated field keeps its last value (hidden false before a checkbox)", () => {
    expect(formToJson(new URLSearchParams("done=false&done=on"), columns)).toEqual({ done: true });
    expect(formToJson(new URLSearchParams("done=false"), columns)).toEqual({ done: false });
  });

  it("leaves what cannot be converted as sent, for the resource's validation to name", () => {
    expect(coerceFormValue(columns.position, "many")).toBe("many");
    expect(coerceFormValue(columns.position, " ")).toBe(" ");
    expect(coerceFormValue(columns.done, "maybe")).toBe("maybe");
    expect(formToJson(new URLSearchParams("unknown=1"), columns)).toEqual({ unknown: "1" });
  });

  it("does not let a field named __proto__ change the object's prototype", () => {
    const values = formToJson(new URLSearchParams("__proto__=x&title=a"), columns);
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
  });
});
