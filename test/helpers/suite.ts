/**
 * Runs a behaviour suite once per dialect: opens the database before, empties it before each test,
 * closes it after. A target that cannot run is skipped with its reason printed.
 */
import { afterAll, beforeAll, beforeEach, describe } from "vitest";
import { dialectTargets, type TestDatabase } from "./dialects";
import { registerFor } from "./drivers";

const reasons = await Promise.all(dialectTargets.map((target) => target.skipReason()));
for (const [i, reason] of reasons.entries()) {
  if (reason) console.warn(`[covara tests] skipping ${dialectTargets[i]!.name}: ${reason}`);
}

/** `describe` per dialect; `use()` returns the open database inside tests. */
export function eachDialect(title: string, body: (use: () => TestDatabase) => void): void {
  for (const [i, target] of dialectTargets.entries()) {
    describe.skipIf(reasons[i] !== null)(`${title} [${target.name}]`, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = await target.open();
      });
      beforeEach(async () => {
        await database!.reset();
      });
      afterAll(async () => {
        await database?.close();
      });
      registerFor(target.name, () => body(() => database!));
    });
  }
}
