/**
 * Settles for one Redis queue, batched: the calls made in the same microtask wave (attempts that
 * finish together, as a batch of claims started together tends to) go to Redis as one script call,
 * one round trip and one socket write, and the tasks claimed for their places are handed out in
 * call order. A lone settle waits only for the current microtasks to run, never for a timer.
 */
import type { Claim } from "./queue";

export interface SettleRequest {
  /** The SETTLE_ARITY arguments of one settle in SETTLE_AND_CLAIM_SCRIPT. */
  args: (string | number)[];
  /** Tasks to claim for this caller. */
  max: number;
  leaseMs: number;
}

export interface SettleReply {
  settled: boolean;
  claims: Claim[];
}

/** Runs one batch: `args` are the script's ARGV after the batch size is known; answers the reply. */
export type RunSettleBatch = (
  count: number,
  settleArgs: (string | number)[],
  max: number,
  leaseMs: number,
  now: number,
) => Promise<{ flags: unknown[]; claims: Claim[] }>;

interface Pending extends SettleRequest {
  resolve: (reply: SettleReply) => void;
  reject: (error: unknown) => void;
}

/** A settle function that batches its calls through `runBatch`. */
export function createSettleBatcher(runBatch: RunSettleBatch): (request: SettleRequest) => Promise<SettleReply> {
  let pending: Pending[] = [];

  async function send(group: Pending[]): Promise<void> {
    const max = group.reduce((sum, request) => sum + request.max, 0);
    try {
      const { flags, claims } = await runBatch(
        group.length,
        group.flatMap((request) => request.args),
        max,
        group[0]!.leaseMs,
        Date.now(),
      );
      let next = 0;
      group.forEach((request, i) => {
        const mine = claims.slice(next, next + request.max);
        next += mine.length;
        request.resolve({ settled: flags[i] === 1, claims: mine });
      });
    } catch (error) {
      for (const request of group) request.reject(error);
    }
  }

  function flush(): void {
    const batch = pending;
    pending = [];
    // One lease length per call; a pool has one, so this is one group in practice.
    const groups = new Map<number, Pending[]>();
    for (const request of batch) {
      const group = groups.get(request.leaseMs);
      if (group === undefined) groups.set(request.leaseMs, [request]);
      else group.push(request);
    }
    for (const group of groups.values()) void send(group);
  }

  return (request) =>
    new Promise<SettleReply>((resolve, reject) => {
      if (pending.length === 0) queueMicrotask(flush);
      pending.push({ ...request, resolve, reject });
    });
}
