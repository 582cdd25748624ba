/**
 * The settle batcher's contract, driven by a recording batch function: calls in one microtask wave
 * make one batch, replies and claims go back to their callers in call order, and a failed batch
 * fails every call in it. (The real script behind it runs in the Redis suites.)
 */
import { describe, expect, it } from "vitest";
import type { Claim } from "../../src/tasks/queue";
import { createSettleBatcher, type RunSettleBatch } from "../../src/tasks/redis-settle-batch";
import type { TaskRecord } from "../../src/tasks/types";

const claimOf = (id: string): Claim => {
  const stored = { id } as TaskRecord;
  return { stored, running: { ...stored, status: "running" } };
};

function recorder(answer: (count: number, max: number) => { flags: unknown[]; claims: Claim[] } | Error) {
  const batches: Array<{ count: number; args: unknown[]; max: number; leaseMs: number }> = [];
  const run: RunSettleBatch = async (count, args, max, leaseMs) => {
    batches.push({ count, args, max, leaseMs });
    const reply = answer(count, max);
    if (reply instanceof Error) throw reply;
    return reply;
  };
  return { batches, run };
}

describe("settle batching for the Redis queue", () => {
  it("sends the settles of one microtask wave as one batch and hands claims out in call order", async () => {
    const { batches, run } = recorder((count, max) => ({
      flags: Array.from({ length: count }, (_, i) => (i === 1 ? 0 : 1)),
      claims: ["c1", "c2", "c3"].slice(0, max).map(claimOf),
    }));
    const settle = createSettleBatcher(run);
    const replies = await Promise.all([
      settle({ args: ["a"], max: 1, leaseMs: 100 }),
      settle({ args: ["b"], max: 0, leaseMs: 100 }),
      settle({ args: ["c"], max: 2, leaseMs: 100 }),
    ]);
    expect(batches).toEqual([{ count: 3, args: ["a", "b", "c"], max: 3, leaseMs: 100 }]);
    expect(replies.map((reply) => [reply.settled, reply.claims.map((claim) => claim.stored.id)])).toEqual([
      [true, ["c1"]],
      [false, []],
      [true, ["c2", "c3"]],
    ]);
  });

  it("gives scarce claims to the earlier callers, and later waves get batches of their own", async () => {
    const { batches, run } = recorder((count) => ({ flags: Array(count).fill(1), claims: [claimOf("only")] }));
    const settle = createSettleBatcher(run);
    const [first, second] = await Promise.all([
      settle({ args: [1], max: 1, leaseMs: 5 }),
      settle({ args: [2], max: 1, leaseMs: 5 }),
    ]);
    expect(first.claims.map((claim) => claim.stored.id)).toEqual(["only"]);
    expect(second.claims).toEqual([]);
    await settle({ args: [3], max: 1, leaseMs: 5 });
    expect(batches.map((batch) => batch.count)).toEqual([2, 1]);
  });

  it("keeps one lease length per batch", async () => {
    const { batches, run } = recorder((count) => ({ flags: Array(count).fill(1), claims: [] }));
    const settle = createSettleBatcher(run);
    await Promise.all([
      settle({ args: ["x"], max: 1, leaseMs: 100 }),
      settle({ args: ["y"], max: 0, leaseMs: 0 }),
      settle({ args: ["z"], max: 1, leaseMs: 100 }),
    ]);
    expect(batches.map((batch) => [batch.leaseMs, batch.args])).toEqual([
      [100, ["x", "z"]],
      [0, ["y"]],
    ]);
  });

  it("fails every call of a batch that fails, and recovers for the next", async () => {
    let fail = true;
    const { run } = recorder((count) => (fail ? new Error("redis down") : { flags: Array(count).fill(1), claims: [] }));
    const settle = createSettleBatcher(run);
    const results = await Promise.allSettled([
      settle({ args: [1], max: 0, leaseMs: 1 }),
      settle({ args: [2], max: 0, leaseMs: 1 }),
    ]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await settle({ args: [3], max: 0, leaseMs: 1 })).toEqual({ settled: true, claims: [] });
  });
});
