/** The React hooks' query cache drops what nobody listens to, so it stays bounded. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { QueryCache } from "../../src/client/react";

describe("QueryCache eviction", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("drops an entry once its last listener left and the gc time passed", async () => {
    const cache = new QueryCache(1_000);
    const off = cache.subscribe("k", "/p", () => {});
    await cache.fetch("k", "/p", async () => 1);
    off();
    vi.advanceTimersByTime(999);
    expect(cache.get("k").data).toBe(1);
    vi.advanceTimersByTime(1);
    expect(cache.size).toBe(0);
    expect(cache.get("k").status).toBe("idle");
  });

  it("keeps an entry someone listens to again before the gc time", async () => {
    const cache = new QueryCache(1_000);
    await cache.fetch("k", "/p", async () => 1);
    vi.advanceTimersByTime(500);
    const off = cache.subscribe("k", "/p", () => {});
    vi.advanceTimersByTime(5_000);
    expect(cache.get("k").data).toBe(1);
    off();
    vi.advanceTimersByTime(1_000);
    expect(cache.size).toBe(0);
  });

  it("a search box typing 500 texts holds only the queries still shown once the gc time passed", async () => {
    const cache = new QueryCache(1_000);
    let off = () => {};
    for (let i = 0; i < 500; i++) {
      off();
      off = cache.subscribe(`q${i}`, "/search", () => {});
      await cache.fetch(`q${i}`, "/search", async () => i);
    }
    expect(cache.size).toBe(500);
    vi.advanceTimersByTime(1_000);
    expect(cache.size).toBe(1);
    expect(cache.get("q499").data).toBe(499);
  });

  it("aborts a fetch still running when its entry is dropped", async () => {
    const cache = new QueryCache(10);
    let signal: AbortSignal | undefined;
    void cache.fetch("k", "/p", (s) => ((signal = s), new Promise(() => {})));
    vi.advanceTimersByTime(10);
    expect(signal?.aborted).toBe(true);
    expect(cache.size).toBe(0);
  });
});
