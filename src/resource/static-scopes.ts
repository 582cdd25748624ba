/**
 * Start-up check of the scopes that do not depend on the request: a value in `auth.public`, or a
 * rule function that takes no arguments and answers synchronously. A mistake there (unknown
 * field, wrong value type, bad syntax) is the app's bug, so it fails the mount with a clear
 * message instead of surfacing as a 500 on the first request.
 */
import { ProblemError } from "../kernel/errors";
import type { ScopeCompiler } from "./access";
import type { ScopeInput } from "../kernel/scope";
import { RESOURCE_OPERATIONS, type ResourceAuthConfig } from "./types";

/** The scope a rule gives without a request, or undefined when it depends on one (or is async). */
function staticValue(rule: unknown): { value: ScopeInput } | undefined {
  if (typeof rule !== "function") return { value: rule as ScopeInput };
  if (rule.length > 0) return undefined;
  let value: unknown;
  try {
    value = rule();
  } catch {
    return undefined; // a rule that needs request state is checked when it runs
  }
  if (typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function") {
    (value as Promise<unknown>).then(undefined, () => {}); // checked when it runs
    return undefined;
  }
  return { value: value as ScopeInput };
}

/** Throws a TypeError naming the resource and the rule when a static scope is invalid. */
export function validateStaticScopes(
  resource: string,
  auth: ResourceAuthConfig | undefined,
  compiler: ScopeCompiler,
): void {
  if (!auth) return;
  const rules: [string, unknown][] = [];
  for (const operation of RESOURCE_OPERATIONS) {
    if (auth.public?.[operation] !== undefined) rules.push([`auth.public.${operation}`, auth.public[operation]]);
    if (auth[operation] !== undefined) rules.push([`auth.${operation}`, auth[operation]]);
  }
  for (const [where, rule] of rules) {
    const found = staticValue(rule);
    if (!found) continue;
    try {
      const scope = compiler.toScope(found.value);
      if (scope.kind === "filter") compiler.sql(scope.node);
    } catch (error) {
      const cause = error instanceof ProblemError && error.cause instanceof Error ? error.cause.message : String(error);
      throw new TypeError(`covara: resource '${resource}' has an invalid scope in ${where}: ${cause}`, {
        cause: error,
      });
    }
  }
}
