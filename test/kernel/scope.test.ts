import { describe, expect, it } from "vitest";
import { ProblemError } from "../../src/kernel/errors";
import { parseRsql, rsql } from "../../src/kernel/rsql";
import { allowScope, andScopes, denyScope, filterScope, isScope, orScopes, toScope } from "../../src/kernel/scope";

const aNode = parseRsql("a==1");
const bNode = parseRsql("b==2");
const a = filterScope(aNode);
const b = filterScope(bNode);

describe("scopes", () => {
  it("normalises resolver answers, failing closed", () => {
    expect(toScope(true)).toEqual(allowScope());
    for (const closed of [false, null, undefined]) expect(toScope(closed)).toEqual(denyScope());
    expect(toScope("a==1")).toEqual(a);
    expect(toScope(rsql`a==${1}`)).toEqual(a);
    expect(toScope(parseRsql("a==1"))).toEqual(a);
    expect(toScope(a)).toBe(a);
    expect(toScope({ nonsense: true } as never)).toEqual(denyScope());
  });

  it("refuses a malformed scope loudly instead of allowing", () => {
    expect(() => toScope("a==")).toThrow(ProblemError);
  });

  it("combines with and: deny wins, allow is neutral", () => {
    expect(andScopes(a, denyScope())).toEqual(denyScope());
    expect(andScopes(allowScope(), a)).toEqual(a);
    expect(andScopes(allowScope(), allowScope())).toEqual(allowScope());
    expect(andScopes(a, b)).toEqual(filterScope({ type: "and", children: [aNode, bNode] }));
  });

  it("combines with or: allow wins, deny is neutral", () => {
    expect(orScopes(a, allowScope())).toEqual(allowScope());
    expect(orScopes(denyScope(), a)).toEqual(a);
    expect(orScopes(denyScope(), denyScope())).toEqual(denyScope());
    expect(orScopes(a, b)).toEqual(filterScope({ type: "or", children: [aNode, bNode] }));
  });

  it("recognises scopes", () => {
    expect(isScope(a)).toBe(true);
    expect(isScope({ kind: "filter" })).toBe(false);
    expect(isScope("allow")).toBe(false);
  });
});

describe("problem errors", () => {
  it("render RFC 7807 documents with stable codes, extensions and headers", async () => {
    const error = new ProblemError("rate-limit-exceeded", {
      detail: "slow down",
      headers: { "retry-after": "3" },
      extensions: { limit: 10, status: 999 },
    });
    const res = error.getResponse();
    expect(res.status).toBe(429);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("retry-after")).toBe("3");
    // An extension cannot overwrite a standard member.
    expect(await res.json()).toEqual({
      type: "/__covara/problems/rate-limit-exceeded",
      title: "Too many requests",
      status: 429,
      code: "RATE_LIMIT_EXCEEDED",
      detail: "slow down",
      limit: 10,
    });
  });
});
