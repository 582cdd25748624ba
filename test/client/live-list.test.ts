/**
 * Unit properties of the client's building blocks: the live-list store against a naive sorted
 * array for random event sequences (ordering with nulls, desc and ties), the SSE parser across
 * arbitrary chunk boundaries, and the full-jitter backoff bounds.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRowComparator, createSseParser, fullJitterDelay, LiveListStore } from "../../src/client";

interface Row {
  id: number;
  score: number | null;
  name: string;
}

const row = fc.record({
  id: fc.integer({ min: 1, max: 40 }),
  score: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
  name: fc.constantFrom("a", "b", "B", "ä", ""),
});
const event = fc.oneof(
  row.map((r) => ({ type: "upsert" as const, row: r })),
  fc.integer({ min: 1, max: 45 }).map((id) => ({ type: "remove" as const, id })),
);

describe("LiveListStore", () => {
  for (const orderBy of ["score", "score:desc,name", "-name,score", "name asc"]) {
    it(`matches a naive sorted array for random snapshots and events (orderBy ${orderBy})`, () => {
      const compare = createRowComparator<Row>(orderBy, "id");
      fc.assert(
        fc.property(
          fc.uniqueArray(row, { selector: (r) => r.id, maxLength: 20 }),
          fc.array(event, { maxLength: 60 }),
          (snapshot, events) => {
            const store = new LiveListStore<Row>({ orderBy });
            store.reset(snapshot);
            let naive = [...snapshot];
            for (const e of events) {
              if (e.type === "upsert") {
                store.upsert(e.row);
                naive = [...naive.filter((r) => r.id !== e.row.id), e.row];
              } else {
                store.remove(e.id);
                naive = naive.filter((r) => r.id !== e.id);
              }
            }
            expect(store.items).toEqual(naive.sort(compare));
            expect(store.size).toBe(naive.length);
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it("sorts nulls first ascending and last descending, with the id as tie-breaker; notifies once per batch", () => {
    const store = new LiveListStore<Row>({ orderBy: "score:desc" });
    store.reset([
      { id: 3, score: null, name: "" },
      { id: 2, score: 1, name: "" },
      { id: 1, score: 1, name: "" },
    ]);
    expect(store.items.map((r) => r.id)).toEqual([1, 2, 3]);
    let calls = 0;
    store.subscribe(() => calls++);
    const before = store.items;
    store.batch(() => {
      store.upsert({ id: 4, score: 9, name: "" });
      store.remove(2);
      store.remove(99); // not held: ignored
    });
    expect(calls).toBe(1);
    expect(store.items).not.toBe(before);
    expect(store.items).toBe(store.items); // one array until the next change
    expect(store.items.map((r) => r.id)).toEqual([4, 1, 3]);
  });
});

describe("SSE parser", () => {
  it("yields the same events however the stream is cut into chunks (LF, CRLF, CR)", () => {
    const text =
      'retry: 2000\r\nevent: connected\r\nid: 1\r\ndata: {"seq":1}\r\n\r\n: heartbeat\nid: 5\n\nevent: added\rdata: a\rdata: b\r\r';
    const parse = (chunks: string[]) => {
      const seen: unknown[] = [];
      const parser = createSseParser({
        onMessage: (m) => seen.push(m),
        onId: (id) => seen.push({ id }),
        onRetry: (ms) => seen.push({ retry: ms }),
        onComment: (c) => seen.push({ comment: c }),
      });
      for (const chunk of chunks) parser.feed(chunk);
      return seen;
    };
    const whole = parse([text]);
    expect(whole).toEqual([
      { retry: 2000 },
      { event: "connected", data: '{"seq":1}', id: "1" },
      { comment: "heartbeat" },
      { id: "5" },
      { event: "added", data: "a\nb", id: undefined },
    ]);
    fc.assert(
      fc.property(fc.array(fc.nat(text.length), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks = [0, ...points].map((start, i) => text.slice(start, points[i] ?? text.length));
        expect(parse(chunks)).toEqual(whole);
      }),
    );
  });
});

describe("full-jitter backoff", () => {
  it("draws from [0, min(cap, base·2^attempt)]", () => {
    expect(fullJitterDelay(0, { baseMs: 1000, random: () => 0.999 })).toBe(999);
    expect(fullJitterDelay(3, { baseMs: 1000, random: () => 0.5 })).toBe(4000);
    expect(fullJitterDelay(20, { baseMs: 1000, maxMs: 30_000, random: () => 0.999 })).toBe(29_970);
    expect(fullJitterDelay(5, { random: () => 0 })).toBe(0);
  });
});
