/** The problem types of role and clearance checks beyond the kernel's 401 `unauthorized`. */
import { defineProblemTypes } from "../kernel/errors";

export const PRINCIPAL_PROBLEM_TYPES = defineProblemTypes({
  "missing-role": { status: 403, title: "Missing role" },
  "insufficient-clearance": { status: 403, title: "Insufficient clearance" },
});

type PrincipalProblemTypes = typeof PRINCIPAL_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends PrincipalProblemTypes {}
}
