/** The problem types of the resource endpoints beyond the kernel's generic ones. */
import { defineProblemTypes } from "../kernel/errors";

export const RESOURCE_PROBLEM_TYPES = defineProblemTypes({
  "batch-limit-exceeded": { status: 400, title: "Batch size exceeded" },
  "cursor-invalid": { status: 400, title: "Invalid cursor" },
  "nested-write-invalid": { status: 400, title: "Invalid nested write" },
  "invalid-id": { status: 400, title: "Invalid id" },
  // Neon HTTP and D1 run no interactive transactions: a write that needs one is refused, not half-done.
  "transactions-unsupported": { status: 501, title: "Transactions not supported by this database driver" },
  // D1 runs a nested write as one batch; a tree whose parent keys it cannot find inside it is refused.
  "nested-write-unsupported": { status: 501, title: "Nested write not supported by this database driver" },
  // A scope resolver that throws or returns something unusable: a server-side fault, not the caller's.
  "scope-error": { status: 500, title: "Internal server error" },
});

type ResourceProblemTypes = typeof RESOURCE_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends ResourceProblemTypes {}
}
