/** The problem types of the OpenID provider and federated login. */
import { AUTH_PROBLEM_TYPES } from "../auth";
import { defineProblemTypes, registerProblemTypes } from "../kernel/errors";

// The provider also answers with auth's csrf-rejected, invalid-state and social-login-failed.
registerProblemTypes(AUTH_PROBLEM_TYPES);

export const OIDC_PROBLEM_TYPES = defineProblemTypes({
  "interaction-expired": { status: 400, title: "Sign-in request expired" },
  "federated-login-failed": { status: 401, title: "Federated login failed" },
  "upstream-unavailable": { status: 502, title: "Upstream identity provider unavailable" },
});

type OIDCProblemTypes = typeof OIDC_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends OIDCProblemTypes {}
}
