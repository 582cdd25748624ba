/** The problem types of covara/middleware: API versions and idempotency keys. */
import { defineProblemTypes } from "../kernel/errors";

export const MIDDLEWARE_PROBLEM_TYPES = defineProblemTypes({
  "unsupported-api-version": { status: 400, title: "Unsupported API version" },
  "invalid-idempotency-key": { status: 400, title: "Invalid Idempotency-Key" },
  "idempotency-key-required": { status: 400, title: "Idempotency-Key required" },
  "idempotency-key-reused": { status: 422, title: "Idempotency-Key reused with a different request" },
  "idempotency-key-in-use": { status: 409, title: "A request with this Idempotency-Key is still being processed" },
});

type MiddlewareProblemTypes = typeof MIDDLEWARE_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends MiddlewareProblemTypes {}
}
