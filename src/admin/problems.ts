/** The problem types the admin UI answers with. */
import { defineProblemTypes } from "../kernel/errors";

export const ADMIN_PROBLEM_TYPES = defineProblemTypes({
  "admin-csrf-invalid": { status: 403, title: "Missing or invalid CSRF token" },
  "impersonation-target-not-found": { status: 404, title: "Impersonated user not found" },
  "admin-resource-not-found": { status: 404, title: "No such resource" },
});

type AdminProblemTypes = typeof ADMIN_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends AdminProblemTypes {}
}
