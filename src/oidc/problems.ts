/** The problem types of the OpenID provider and federated login. */
import { defineProblemTypes } from "../kernel/errors";

// The provider also answers with three of auth's types. They are registered here too, with auth's
// very status and title (a second definition that matches is a no-op, one that differs throws), so
// this module needs nothing from auth: the build keeps every problems module in one small chunk
// (tsdown.config.ts), which must not drag auth's routes in with it.
defineProblemTypes({
  "csrf-rejected": { status: 403, title: "Cross-site request rejected" },
  "invalid-state": { status: 400, title: "Invalid or expired OAuth state" },
  "social-login-failed": { status: 401, title: "Social login failed" },
});

export const OIDC_PROBLEM_TYPES = defineProblemTypes({
  "interaction-expired": { status: 400, title: "Sign-in request expired" },
  "federated-login-failed": { status: 401, title: "Federated login failed" },
  "upstream-unavailable": { status: 502, title: "Upstream identity provider unavailable" },
});

type OIDCProblemTypes = typeof OIDC_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends OIDCProblemTypes {}
}
