/**
 * The open problem-type registry: the kernel defines the generic types, each feature defines its
 * own next to its code, `ProblemError` reads the merged table, and clashes fail loudly.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { AUTH_PROBLEM_TYPES } from "../../src/auth";
import {
  KERNEL_PROBLEM_TYPES,
  PROBLEM_TYPES,
  ProblemError,
  defineProblemTypes,
  problemTypeDefinition,
  type ProblemType,
} from "../../src/kernel/errors";
import { OIDC_PROBLEM_TYPES } from "../../src/oidc";

const BILLING_PROBLEM_TYPES = defineProblemTypes({
  "payment-required-test": { status: 402, title: "Payment required" },
});
type BillingProblemTypes = typeof BILLING_PROBLEM_TYPES;
declare global {
  interface CovaraProblemTypes extends BillingProblemTypes {}
}

describe("problem type registry", () => {
  it("features' types join the kernel's in the runtime table", () => {
    expect(PROBLEM_TYPES["not-found"]).toEqual({ status: 404, title: "Not found" });
    expect(PROBLEM_TYPES["mfa-required"]).toEqual(AUTH_PROBLEM_TYPES["mfa-required"]);
    expect(PROBLEM_TYPES["upstream-unavailable"]).toEqual(OIDC_PROBLEM_TYPES["upstream-unavailable"]);
    expect(Object.keys(KERNEL_PROBLEM_TYPES)).not.toContain("mfa-required");
  });

  it("a feature-declared type renders like a kernel one", async () => {
    const error = new ProblemError("payment-required-test", { detail: "Top up first" });
    expect(error.status).toBe(402);
    expect(error.toJSON()).toEqual({
      type: "/__covara/problems/payment-required-test",
      title: "Payment required",
      status: 402,
      code: "PAYMENT_REQUIRED_TEST",
      detail: "Top up first",
    });
    expect(error.getResponse().headers.get("content-type")).toBe("application/problem+json");
  });

  it("the slug union is typed and merged", () => {
    expectTypeOf<"payment-required-test">().toMatchTypeOf<ProblemType>();
    expectTypeOf<"mfa-required">().toMatchTypeOf<ProblemType>();
    expectTypeOf<"slow-consumer">().toMatchTypeOf<ProblemType>();
    expectTypeOf<"no-such-problem">().not.toMatchTypeOf<ProblemType>();
    // @ts-expect-error an undeclared slug does not compile
    expect(() => new ProblemError("no-such-problem")).toThrow('problem type "no-such-problem" is not defined');
  });

  it("defining a slug again is a no-op with the same meaning and an error with another", () => {
    expect(() => defineProblemTypes({ "not-found": { status: 404, title: "Not found" } })).not.toThrow();
    expect(() => defineProblemTypes({ "not-found": { status: 410, title: "Gone" } })).toThrow(
      'problem type "not-found" is already defined as 404 "Not found"',
    );
    expect(problemTypeDefinition("not-found")).toEqual({ status: 404, title: "Not found" });
  });

  it("refuses a slug that is not lower-case words joined by hyphens", () => {
    expect(() => defineProblemTypes({ Bad_Slug: { status: 400, title: "Bad" } })).toThrow(
      "lower-case words joined by hyphens",
    );
    expect(problemTypeDefinition("Bad_Slug")).toBeUndefined();
    expect(problemTypeDefinition("toString")).toBeUndefined();
  });
});
