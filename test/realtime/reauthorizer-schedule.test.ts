/**
 * The re-authorizer's tick costs what is due, not what is open: groups wait in a heap by due time,
 * so 1,000 idle groups are not looked at until their interval comes, a revocation takes only the
 * groups it names, and a group is checked again one interval after its check.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Context } from "hono";
import { createMemoryKV } from "../../src/kv";
import { defaultLogger } from "../../src/kernel/context";
import { publishIdentityRevoked } from "../../src/kernel/identity-events";
import { Reauthorizer, type Reauthorizable } from "../../src/realtime/reauthorizer";
import type { SseConnection } from "../../src/realtime/sse-connection";
import type { StreamAuth } from "../../src/realtime/stream-auth";
import { DueQueue } from "../../src/realtime/due-queue";

const INTERVAL_MS = 60_000;

/** A stream that counts its re-authorizations; `end()` runs its end handlers. */
function stream(): Reauthorizable & { checks: number; end(): void } {
  const handlers: (() => void)[] = [];
  let open = true;
  const connection = {
    get isOpen() {
      return open;
    },
    onEnd(handler: () => void) {
      handlers.push(handler);
    },
    end() {
      open = false;
      for (const handler of handlers.splice(0)) handler();
    },
  } as unknown as SseConnection;
  const result = {
    connection,
    checks: 0,
    async reauthorize(_c: Context) {
      result.checks += 1;
    },
    end: () => connection.end(),
  };
  return result;
}

/** An anonymous-like identity of its own group (no auth layer to call). */
function authOf(key: string, userId: string): StreamAuth {
  return {
    identity: null,
    user: { id: userId },
    elevation: null,
    groupKey: key,
    url: "http://localhost/api/x/subscribe",
    credentials: {},
    env: undefined,
    vars: {},
  };
}

describe("re-authorizer schedule", () => {
  let reauthorizer: Reauthorizer;
  beforeEach(() => {
    vi.useFakeTimers();
    reauthorizer = new Reauthorizer(createMemoryKV(), `test-reauth-${Date.now()}`, defaultLogger());
  });
  afterEach(async () => {
    await reauthorizer.close();
    vi.useRealTimers();
  });

  it("a tick looks only at due groups; each group is checked once per interval", async () => {
    const streams = Array.from({ length: 1000 }, (_, i) => {
      const s = stream();
      reauthorizer.track(s, authOf(`u:${i}`, `user-${i}`), INTERVAL_MS);
      return s;
    });
    // First checks fall in the second half of the interval: nothing is due before it.
    await vi.advanceTimersByTimeAsync(INTERVAL_MS / 2 - 1000);
    expect(reauthorizer.groupsTaken).toBe(0);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS / 2 + 1000);
    expect(reauthorizer.groupsTaken).toBe(1000);
    expect(streams.every((s) => s.checks === 1)).toBe(true);
    // The next check is one interval after each group's own.
    await vi.advanceTimersByTimeAsync(INTERVAL_MS / 2 - 1000);
    expect(reauthorizer.groupsTaken).toBeLessThan(2000);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(reauthorizer.groupsTaken).toBe(2000);
    expect(streams.every((s) => s.checks === 2)).toBe(true);
  });

  it("a revocation takes only the groups it names, at once", async () => {
    const streams = Array.from({ length: 100 }, (_, i) => {
      const s = stream();
      reauthorizer.track(s, authOf(`u:${i}`, `user-${i}`), INTERVAL_MS);
      return s;
    });
    await publishIdentityRevoked({ userId: "user-7" });
    await vi.advanceTimersByTimeAsync(0);
    expect(reauthorizer.groupsTaken).toBe(1);
    expect(streams[7]!.checks).toBe(1);
    expect(streams.filter((s) => s.checks > 0)).toHaveLength(1);
  });

  it("ended streams leave the schedule: their groups are never taken", async () => {
    const streams = Array.from({ length: 200 }, (_, i) => {
      const s = stream();
      reauthorizer.track(s, authOf(`u:${i}`, `user-${i}`), INTERVAL_MS);
      return s;
    });
    for (const s of streams.slice(0, 150)) s.end();
    expect(reauthorizer.groupCount).toBe(50);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS + 1000);
    expect(reauthorizer.groupsTaken).toBe(50);
  });
});

describe("DueQueue", () => {
  it("returns due items earliest first and skips stale entries", () => {
    const due = new Map<string, number>();
    const queue = new DueQueue<string>((item, at) => due.get(item) === at);
    const put = (item: string, at: number) => {
      due.set(item, at);
      queue.push(item, at);
    };
    for (let i = 0; i < 50; i++) put(`x${i}`, (i * 37) % 50);
    put("x3", 1000); // moved later: its first entry is stale
    const firstTen = [...due]
      .filter(([, at]) => at <= 9)
      .sort((a, b) => a[1] - b[1])
      .map(([item]) => item);
    expect(firstTen).toHaveLength(10);
    expect(queue.takeDue(9)).toEqual(firstTen);
    expect(queue.takeDue(999)).toHaveLength(39);
    expect(queue.takeDue(1000)).toEqual(["x3"]);
    expect(queue.size).toBe(0);
  });
});

describe("stream auth group keys", () => {
  it("streams authenticated without a session are grouped by a digest of their credentials, never the credentials", async () => {
    const { Context } = await import("hono");
    const { recordRequestIdentity } = await import("../../src/kernel/identity-events");
    const { captureStreamAuth } = await import("../../src/realtime/stream-auth");
    const capture = async (token: string) => {
      const request = new Request("http://localhost/api/x/subscribe", {
        headers: { authorization: `Bearer ${token}` },
      });
      recordRequestIdentity(request, {
        userId: "u1",
        sessionId: null,
        credentials: { authorization: `Bearer ${token}` },
        reauthenticate: async () => null,
      });
      return (await captureStreamAuth(new Context(request))).groupKey;
    };
    const first = await capture("s3cret-token");
    expect(first).not.toContain("s3cret-token");
    expect(await capture("s3cret-token")).toBe(first);
    expect(await capture("other-token")).not.toBe(first);
  });
});
