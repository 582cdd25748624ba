/**
 * The open default made visible. A resource with no `auth.<operation>` rule lets every signed-in
 * user perform that operation on every row; that is rarely what an app means, so at start-up
 * (outside production) each such resource and operation is named once in a warning. A rule that
 * states the intent, `auth.update: () => true`, silences it.
 */
import { RESOURCE_OPERATIONS, type ResourceAuthConfig } from "./types";
import { defaultLogger } from "../kernel/context";

/** Where the warnings go; one function, so they can be routed to the app's logger. */
export type OpenAccessWarningSink = (message: string) => void;

// The one place the warning is written; the app logger can take over through the sink.
const warnToConsole: OpenAccessWarningSink = (message) => defaultLogger().warn(message);
let sink = warnToConsole;
const warned = new Set<string>();

/** Routes open-access warnings to `next` (default: the default context's logger; the test setup silences them); returns the previous sink. */
export function setOpenAccessWarningSink(next: OpenAccessWarningSink = warnToConsole): OpenAccessWarningSink {
  const previous = sink;
  sink = next;
  return previous;
}

/** Forgets which warnings were given, so a test can see the first one again. */
export function resetOpenAccessWarnings(): void {
  warned.clear();
}

function inProduction(): boolean {
  // Workers have no `process`; there NODE_ENV is unknown and the warning is still given.
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.NODE_ENV === "production";
}

/** Warns once per resource and operation that has no auth rule (so is open to every signed-in user). */
export function warnOpenAccess(resource: string, auth: ResourceAuthConfig | undefined): void {
  if (inProduction()) return;
  for (const operation of RESOURCE_OPERATIONS) {
    if (auth?.[operation] !== undefined) continue;
    // Anonymous users may already touch every row: signed-in users having it too widens nothing.
    if (auth?.public?.[operation] === true) continue;
    const key = `${resource}\u0000${operation}`;
    if (warned.has(key)) continue;
    warned.add(key);
    sink(
      `[covara] resource "${resource}" has no auth.${operation} rule, so EVERY signed-in user may ${operation} EVERY row. ` +
        `Add auth.${operation}: (user) => rsql\`...\` to limit it, or auth.${operation}: () => true if it is meant to be open.`,
    );
  }
}
