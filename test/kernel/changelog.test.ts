import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createChangelog, type ChangelogEntry, type ChangelogInput } from "../../src/kernel/changelog";
import type { KV } from "../../src/kernel/kv";
import { createMemoryKV } from "../../src/kv";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const post = (id: number | string, extra: Partial<ChangelogInput> = {}): ChangelogInput => ({
  resource: "posts",
  op: "create",
  objectId: String(id),
  ...extra,
});
const seqs = (entries: ChangelogEntry[]) => entries.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("changelog", () => {
  let kv: KV;

  beforeEach(() => {
    kv = createMemoryKV();
  });

  afterEach(async () => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    await kv.close();
  });

  describe("append", () => {
    it("assigns rising seqs, stamps the time and stores the mutation", async () => {
      const log = createChangelog(kv);
      expect(await log.latestSeq()).toBe(0);
      expect(await log.oldestSeq()).toBeNull();
      const before = Date.now();
      const first = await log.append(post(1, { data: { title: "a" }, userId: "u1" }));
      const second = await log.append({
        resource: "posts",
        op: "update",
        objectId: "1",
        data: { title: "b" },
        previous: { title: "a" },
        userId: null,
      });
      expect(first).toMatchObject({ seq: 1, resource: "posts", op: "create", objectId: "1", userId: "u1" });
      expect(first.at).toBeGreaterThanOrEqual(before);
      expect(first.at).toBeLessThanOrEqual(Date.now());
      expect(second.seq).toBe(2);
      expect(await log.latestSeq()).toBe(2);
      expect(await log.oldestSeq()).toBe(1);
      const { entries } = await log.since(0);
      expect(entries).toEqual([first, second]);
      expect(entries[1]).toMatchObject({ previous: { title: "a" }, userId: null });
      expect("data" in entries[0]! && "previous" in entries[0]!).toBe(false);
    });

    it("keeps only the entry's own fields", async () => {
      const log = createChangelog(kv);
      await log.append({ ...post(1), extra: "nope" } as ChangelogInput);
      const { entries } = await log.since(0);
      expect(Object.keys(entries[0]!).sort()).toEqual(["at", "objectId", "op", "resource", "seq"]);
    });

    it("rejects a malformed entry", async () => {
      const log = createChangelog(kv);
      await expect(log.append(post(1, { op: "upsert" as never }))).rejects.toThrow(/op must be/);
      await expect(log.append(post(1, { resource: "" }))).rejects.toThrow(/resource/);
      expect(await log.latestSeq()).toBe(0);
    });

    it("hands out unique, gap-free seqs to concurrent appends, read back in order", async () => {
      const log = createChangelog(kv);
      const appended = await Promise.all(range(1, 300).map((i) => log.append(post(i))));
      expect(seqs(appended).sort((a, b) => a - b)).toEqual(range(1, 300));
      const { entries, truncated } = await log.since(0);
      expect(truncated).toBe(false);
      expect(seqs(entries)).toEqual(range(1, 300));
      const bySeq = new Map(appended.map((e) => [e.seq, e.objectId]));
      for (const entry of entries) expect(entry.objectId).toBe(bySeq.get(entry.seq));
    });

    it("stays monotonic across writers sharing one KV (two processes)", async () => {
      const a = createChangelog(kv);
      const b = createChangelog(kv);
      const appended = await Promise.all(range(1, 200).map((i) => (i % 2 ? a : b).append(post(i))));
      expect(new Set(seqs(appended)).size).toBe(200);
      expect(seqs((await b.since(0)).entries)).toEqual(range(1, 200));
    });

    it("keeps namespaces apart", async () => {
      const a = createChangelog(kv, { namespace: "tenant-a" });
      const b = createChangelog(kv, { namespace: "tenant-b" });
      await a.append(post(1));
      await a.append(post(2));
      await b.append(post(3));
      expect(await a.latestSeq()).toBe(2);
      expect((await b.since(0)).entries.map((e) => e.objectId)).toEqual(["3"]);
    });

    it("still resolves when publishing fails, since the entry is already stored", async () => {
      const errors = vi.spyOn(console, "error").mockImplementation(() => {});
      const failing: KV = { ...kv, publish: async () => Promise.reject(new Error("network down")) };
      const log = createChangelog(failing);
      const entry = await log.append(post(1));
      expect(entry.seq).toBe(1);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(seqs((await log.since(0)).entries)).toEqual([1]);
    });
  });

  describe("since", () => {
    it("returns entries after the seq, ascending, limited, with a cursor", async () => {
      const log = createChangelog(kv);
      for (const i of range(1, 10)) await log.append(post(i));
      expect(seqs((await log.since(7)).entries)).toEqual([8, 9, 10]);
      const first = await log.since(0, { limit: 3 });
      expect(seqs(first.entries)).toEqual([1, 2, 3]);
      expect(first.cursor).toBe(3);
      expect(seqs((await log.since(first.cursor, { limit: 3 })).entries)).toEqual([4, 5, 6]);
      expect(await log.since(10)).toEqual({ entries: [], truncated: false, cursor: 10 });
      expect((await log.since(0, { limit: 0 })).entries).toEqual([]);
    });

    it("filters by resource across many pages and moves the cursor past skipped entries", async () => {
      const log = createChangelog(kv, { retention: { maxEntries: 5000 } });
      for (const i of range(1, 1500)) {
        await log.append({ resource: i % 10 === 0 ? "comments" : "posts", op: "create", objectId: String(i) });
      }
      const page = await log.since(0, { resource: "comments", limit: 60 });
      expect(seqs(page.entries)).toEqual(range(1, 60).map((i) => i * 10));
      expect(page.cursor).toBe(600);
      const rest = await log.since(page.cursor, { resource: "comments" });
      expect(seqs(rest.entries)).toEqual(range(61, 150).map((i) => i * 10));
      const none = await log.since(0, { resource: "tags" });
      expect(none).toEqual({ entries: [], truncated: false, cursor: 1500 });
    });

    it("rejects a negative or fractional seq", async () => {
      const log = createChangelog(kv);
      await expect(log.since(-1)).rejects.toThrow(/seq/);
      await expect(log.since(1.5)).rejects.toThrow(/seq/);
    });

    it("holds back entries behind a seq that is still being written", async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      // The writer of seq 1 is slow to store it, so seq 2 lands first.
      const slow: KV = {
        ...kv,
        zadd: async (key, member, score) => {
          if (score === 1) await gate;
          return kv.zadd(key, member, score);
        },
      };
      const log = createChangelog(slow);
      const first = log.append(post("slow"));
      await log.append(post("fast"));
      expect(await log.since(0)).toEqual({ entries: [], truncated: false, cursor: 0 });
      release();
      await first;
      expect(seqs((await log.since(0)).entries)).toEqual([1, 2]);
    });

    it("skips a hole once it outlives the grace period (a writer died)", async () => {
      const dead: KV = {
        ...kv,
        zadd: async (key, member, score) => (score === 2 ? new Promise(() => {}) : kv.zadd(key, member, score)),
      };
      const log = createChangelog(dead, { gapGraceMs: 30 });
      await log.append(post(1));
      void log.append(post(2));
      await sleep(0);
      await log.append(post(3));
      expect(seqs((await log.since(0)).entries)).toEqual([1]);
      await sleep(60);
      const page = await log.since(1);
      expect(seqs(page.entries)).toEqual([3]);
      expect(page.truncated).toBe(false);
    });
  });

  describe("retention", () => {
    it("trims by count on every append when trimEvery is 1", async () => {
      const log = createChangelog(kv, { retention: { maxEntries: 10, trimEvery: 1 } });
      for (const i of range(1, 25)) await log.append(post(i));
      expect(await log.oldestSeq()).toBe(16);
      expect(await log.latestSeq()).toBe(25);
      const all = await log.since(0);
      expect(all.truncated).toBe(true);
      expect(seqs(all.entries)).toEqual(range(16, 25));
      expect((await log.since(15)).truncated).toBe(false);
      expect((await log.since(14)).truncated).toBe(true);
    });

    it("amortises trimming but never keeps more than maxEntries + trimEvery", async () => {
      const log = createChangelog(kv, { retention: { maxEntries: 20, trimEvery: 5 } });
      for (const i of range(1, 63)) {
        await log.append(post(i));
        const retained = (await log.since(0)).entries.length;
        expect(retained).toBeLessThanOrEqual(20 + 5);
        expect(retained).toBeGreaterThanOrEqual(Math.min(i, 20));
        const oldest = (await log.oldestSeq())!;
        // `truncated` follows exactly what is retained, whether or not a trim just ran.
        expect((await log.since(oldest - 1)).truncated).toBe(false);
        if (oldest > 1) expect((await log.since(oldest - 2)).truncated).toBe(true);
      }
      // The last trim ran at seq 60 (keeping 41..60); 61..63 came after it.
      expect(await log.trim()).toBe(3);
      expect(seqs((await log.since(0)).entries)).toEqual(range(44, 63));
    });

    it("keeps truncated exact when several writers trim concurrently", async () => {
      const writers = [1, 2, 3].map(() => createChangelog(kv, { retention: { maxEntries: 7, trimEvery: 1 } }));
      await Promise.all(range(1, 120).map((i) => writers[i % 3]!.append(post(i))));
      await Promise.all(writers.map((w) => w.trim()));
      const log = writers[0]!;
      expect(await log.oldestSeq()).toBe(114);
      expect((await log.since(113)).truncated).toBe(false);
      expect(seqs((await log.since(113)).entries)).toEqual(range(114, 120));
      expect((await log.since(112)).truncated).toBe(true);
    });

    it("does not mistake an in-flight seq right after the trimmed range for truncation", async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slow: KV = {
        ...kv,
        zadd: async (key, member, score) => {
          if (score === 11 && key.endsWith(":entries")) await gate;
          return kv.zadd(key, member, score);
        },
      };
      const log = createChangelog(slow, { retention: { maxEntries: 5, trimEvery: 1 } });
      for (const i of range(1, 10)) await log.append(post(i));
      const pending = log.append(post(11));
      await log.append(post(12));
      // Trimmed through 7 so far; seq 11 is still being written.
      expect(await log.since(10)).toEqual({ entries: [], truncated: false, cursor: 10 });
      release();
      await pending;
      expect(seqs((await log.since(10)).entries)).toEqual([11, 12]);
    });

    it("defaults to 10,000 entries", async () => {
      const log = createChangelog(kv);
      for (const i of range(1, 10_150)) await log.append(post(i));
      await log.trim();
      expect(await log.oldestSeq()).toBe(151);
      expect((await log.since(150)).entries).toHaveLength(10_000);
    });

    it("trims by age", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(1_000_000);
      const log = createChangelog(kv, { retention: { maxAgeMs: 1000 } });
      for (const i of range(1, 5)) await log.append(post(i));
      vi.setSystemTime(1_000_600);
      for (const i of range(6, 8)) await log.append(post(i));
      expect(await log.oldestSeq()).toBe(1);
      vi.setSystemTime(1_001_100);
      // The next append finds the first five older than maxAge and drops them.
      await log.append(post(9));
      expect(await log.oldestSeq()).toBe(6);
      expect((await log.since(0)).truncated).toBe(true);
      expect((await log.since(5)).truncated).toBe(false);
      vi.setSystemTime(1_003_000);
      expect(await log.trim()).toBe(4);
      expect(await log.oldestSeq()).toBeNull();
    });

    it("reports truncated once everything after the seq aged out, and for a cursor from a reset log", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(5_000_000);
      const log = createChangelog(kv, { retention: { maxAgeMs: 100 } });
      for (const i of range(1, 8)) await log.append(post(i));
      vi.setSystemTime(5_001_000);
      await log.trim();
      expect(await log.since(3)).toEqual({ entries: [], truncated: true, cursor: 3 });
      expect((await log.since(8)).truncated).toBe(false);
      expect((await log.since(50)).truncated).toBe(true);
    });

    it("rejects nonsense retention options", () => {
      expect(() => createChangelog(kv, { retention: { maxEntries: 0 } })).toThrow(/maxEntries/);
      expect(() => createChangelog(kv, { retention: { trimEvery: 1.5 } })).toThrow(/trimEvery/);
      expect(() => createChangelog(kv, { retention: { maxAgeMs: -1 } })).toThrow(/maxAgeMs/);
    });
  });

  describe("subscribe", () => {
    it("delivers appended entries in order until unsubscribed", async () => {
      const log = createChangelog(kv);
      const other = createChangelog(kv);
      const got: ChangelogEntry[] = [];
      const unsubscribe = await log.subscribe((entry) => got.push(entry));
      for (const i of range(1, 20)) await other.append(post(i));
      await sleep(0);
      expect(seqs(got)).toEqual(range(1, 20));
      expect(got[0]).toEqual((await log.since(0, { limit: 1 })).entries[0]);
      await unsubscribe();
      await log.append(post(21));
      await sleep(0);
      expect(got).toHaveLength(20);
    });

    it("delivers each of many concurrent appends exactly once", async () => {
      const log = createChangelog(kv);
      const got: number[] = [];
      await log.subscribe((entry) => got.push(entry.seq));
      await Promise.all(range(1, 100).map((i) => log.append(post(i))));
      await sleep(0);
      expect([...got].sort((a, b) => a - b)).toEqual(range(1, 100));
    });

    it("ignores foreign messages on the channel", async () => {
      const log = createChangelog(kv);
      const got: ChangelogEntry[] = [];
      await log.subscribe((entry) => got.push(entry));
      await kv.publish("covara:changelog", "not json");
      await kv.publish("covara:changelog", JSON.stringify({ hello: 1 }));
      await log.append(post(1));
      await sleep(0);
      expect(seqs(got)).toEqual([1]);
    });
  });
});
