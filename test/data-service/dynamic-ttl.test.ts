import { describe, expect, it } from "vitest";
import { DynamicTtl } from "../../src/data-service/dynamic-ttl";

describe("dynamic TTL", () => {
  it("gives a key never seen changing the maximum, and one changing often a shorter TTL within the bounds", () => {
    const ttl = new DynamicTtl(1_000, 60_000, 100);
    expect(ttl.ttlOf("stable")).toBe(60_000);
    for (let t = 0; t <= 50_000; t += 10_000) ttl.changed("hourly-ish", t);
    expect(ttl.ttlOf("hourly-ish")).toBe(5_000); // half the interval between changes
    for (let t = 0; t <= 500; t += 100) ttl.changed("hot", t);
    expect(ttl.ttlOf("hot")).toBe(1_000); // clamped to the minimum
    for (let t = 0; t <= 10_000_000; t += 1_000_000) ttl.changed("rare", t);
    expect(ttl.ttlOf("rare")).toBe(60_000); // clamped to the maximum
  });

  it("adapts when a key's rhythm changes, and forgets the oldest keys beyond its capacity", () => {
    const ttl = new DynamicTtl(10, 100_000, 2);
    ttl.changed("k", 0);
    ttl.changed("k", 40_000);
    expect(ttl.ttlOf("k")).toBe(20_000);
    ttl.changed("k", 40_100);
    ttl.changed("k", 40_200);
    expect(ttl.ttlOf("k")).toBeLessThan(6_000);
    ttl.changed("a", 0);
    ttl.changed("a", 10);
    ttl.changed("b", 0);
    expect(ttl.ttlOf("k")).toBe(100_000); // evicted: back to unknown
  });
});
