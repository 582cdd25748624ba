/**
 * The driver behaviour suite: the resource, realtime, auth-store and migration suites the default
 * test files run on better-sqlite3, PGlite and postgres-js, re-run unchanged on other drivers.
 * A test file under test/drivers/ selects its drivers and calls `runBehaviourSuite`; the suites
 * are imported afterwards, so their `eachDialect` sees the selection (one test file = one process).
 */
import { selectDrivers, type DriverName } from "../helpers/drivers";

/** One representative suite per feature the README promises on every driver. */
const FEATURES: readonly (() => Promise<unknown>)[] = [
  () => import("../resource/crud.test"),
  () => import("../resource/filtering.test"),
  () => import("../resource/pagination.test"),
  () => import("../resource/auth-scopes.test"),
  () => import("../resource/fields-and-hooks.test"),
  () => import("../resource/relations.test"),
  () => import("../resource/nested-writes.test"),
  () => import("../resource/batch.test"),
  () => import("../resource/batch-upsert-reads.test"),
  () => import("../resource/soft-delete.test"),
  () => import("../resource/etag.test"),
  () => import("../resource/aggregate.test"),
  () => import("../search/behaviour.test"),
  () => import("../realtime/subscriptions-memory.test"),
  () => import("./auth-stores"),
  () => import("../db/internal-schema.test"),
];

/** Registers every feature suite on `drivers`. */
export async function runBehaviourSuite(drivers: readonly DriverName[]): Promise<void> {
  selectDrivers(drivers);
  for (const load of FEATURES) await load();
}
