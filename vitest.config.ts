import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The order test files start in. Two workers take files from the front of the list, so the run
 * ends soonest when the longest files start first and the short ones fill in at the end. Vitest
 * does that by itself from the durations it cached on an earlier run; a fresh clone (CI) has no
 * cache, and Vitest then starts the largest files first — but several of the longest files are
 * small files (a build, a browser, a CLI run with npm install), and one of those starting last
 * leaves the other worker idle until it ends. So, until every file has a cached duration, the files below (measured as the slowest,
 * slowest first) start first, then the others in Vitest's own order.
 *
 * Refresh the list from a full run's JSON report (`npx vitest run --reporter=json
 * --outputFile=times.json`): files by `endTime - startTime`, longest first. A file missing from
 * the list is not an error, only started in Vitest's order.
 */
const SLOWEST_FIRST = [
  "test/realtime/redis-outage.test.ts",
  "test/package/exports.test.ts",
  "test/cli/dev.test.ts",
  "test/drivers/d1.test.ts",
  "test/admin/browser.test.ts",
  "test/workers/durable-object-kv.test.ts",
  // After exports.test.ts, so that the build it shares with it (helpers/package-build.ts) is done.
  "test/cli/acceptance.test.ts",
  "test/cli/templates.test.ts",
  "test/data-service/unit-of-work-resources.test.ts",
  "test/cli/db.test.ts",
  "test/client/auth.test.ts",
  "test/client/browser.test.ts",
  "test/drivers/postgres-failures.test.ts",
  "test/data-service/data-service.test.ts",
  "test/oidc/stores.test.ts",
  "test/workers/task-durable-object.test.ts",
  "test/htmx/browser.test.ts",
  "test/drivers/neon-serverless.test.ts",
  "test/search/behaviour.test.ts",
  "test/tasks/processes.test.ts",
  "test/types/must-fail.test.ts",
  "test/tasks/queue-redis.test.ts",
];

class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const key = (file: TestSpecification) => relative(root, file.moduleId).split("\\").join("/");
    const allTimed = files.every((file) => this.ctx.cache.getFileTestResults(`${file.project.name}:${key(file)}`));
    if (allTimed) return sorted;
    const rank = (file: TestSpecification) => {
      const index = SLOWEST_FIRST.indexOf(key(file));
      return index === -1 ? SLOWEST_FIRST.length : index;
    };
    // Array sort is stable: files off the list keep Vitest's order among themselves.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two files at a time on these 2-core machines: many suites wait on sockets, timers and child
    // processes (the Redis outage, the CLI's dev server, Chromium), so a second worker overlaps
    // them; the default (cores - 1) ran one file at a time.
    maxWorkers: 2,
    // The longest files start first even without a cached run (a fresh CI clone): see above.
    sequence: { sequencer: SlowestFirstSequencer },
  },
});
