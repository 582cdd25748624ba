/**
 * The problem types auth's routes, strategies and features answer with. The OpenID provider
 * (built on auth) reuses `csrf-rejected`, `invalid-state` and `social-login-failed`.
 */
import { defineProblemTypes } from "../kernel/errors";

export const AUTH_PROBLEM_TYPES = defineProblemTypes({
  "password-policy": { status: 422, title: "Password does not meet the policy" },
  "invalid-credentials": { status: 401, title: "Invalid credentials" },
  "invalid-token": { status: 401, title: "Invalid or expired token" },
  "csrf-rejected": { status: 403, title: "Cross-site request rejected" },
  "invalid-code": { status: 401, title: "Invalid verification code" },
  "mfa-required": { status: 401, title: "Second factor required" },
  "passkey-rejected": { status: 400, title: "Passkey verification failed" },
  "invalid-state": { status: 400, title: "Invalid or expired OAuth state" },
  "social-login-failed": { status: 401, title: "Social login failed" },
});

type AuthProblemTypes = typeof AUTH_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends AuthProblemTypes {}
}
