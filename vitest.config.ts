import { defineConfig } from "vitest/config";

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
  },
});
