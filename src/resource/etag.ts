/**
 * Optimistic locking. With `etag: { versionField }`, a row's ETag is its version; reads send it,
 * `If-None-Match` turns a read into a 304, and `If-Match` makes a write conditional. The condition
 * is enforced by the UPDATE/DELETE itself (`... WHERE version = expected`), so of two concurrent
 * writers holding the same ETag exactly one wins and the other gets 412.
 */
import "./problems";
import { eq, sql, type Column, type SQL } from "drizzle-orm";
import { ProblemError } from "../kernel/errors";
import { etagMatches } from "../kernel/etag";

export interface EtagConfig {
  /** The integer column holding the row version; incremented on every update. */
  versionField: string;
}

/** The strong ETag of a row version. */
export function etagOf(version: unknown): string {
  return `"v${String(version)}"`;
}

export function preconditionFailed(resource: string, id: string): ProblemError {
  return new ProblemError("precondition-failed", {
    detail: `${resource} '${id}' has changed since you read it; fetch it again`,
    extensions: { resource, id },
  });
}

/**
 * Checks `If-Match` against the row as loaded and returns the version the write must still find
 * (undefined when the request is unconditional).
 */
export function expectedVersion(
  header: string | undefined,
  row: Record<string, unknown>,
  config: EtagConfig,
  resource: string,
  id: string,
): unknown {
  if (header === undefined) return undefined;
  const version = row[config.versionField];
  if (!etagMatches(header, etagOf(version))) throw preconditionFailed(resource, id);
  return version;
}

/** The compare-and-swap condition for a write that expects `version`. */
export function versionCondition(column: Column, version: unknown): SQL {
  return eq(column, version);
}

/** `version = version + 1`, computed by the database so concurrent writers cannot both set it. */
export function nextVersion(column: Column): SQL {
  return sql`${column} + 1`;
}
