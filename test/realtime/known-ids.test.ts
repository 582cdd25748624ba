/**
 * KnownIds: the ids a stream's client holds, starting from a snapshot's id set shared with other
 * streams. Whatever a stream does, it answers exactly as its own Set would, and the shared set is
 * never changed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KnownIds } from "../../src/realtime/known-ids";

type Op = { kind: "add" | "delete" | "has"; id: string } | { kind: "clear" } | { kind: "adopt"; ids: string[] };

const id: fc.Arbitrary<string> = fc.constantFrom("1", "2", "3", "4", "5", "6", "7", "8");
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom("add" as const, "delete" as const, "has" as const), id }),
  fc.constant({ kind: "clear" as const }),
  fc.record({ kind: fc.constant("adopt" as const), ids: fc.array(id, { maxLength: 5 }) }),
);

describe("KnownIds", () => {
  it("behaves as a plain Set, and never changes the set it adopted", () => {
    fc.assert(
      fc.property(fc.array(id, { maxLength: 6 }), fc.array(op, { maxLength: 40 }), (baseIds, ops) => {
        const base = new Set(baseIds);
        const frozen = [...base];
        const known = new KnownIds();
        known.adopt(base);
        const model = new Set(base);
        for (const step of ops) {
          if (step.kind === "add") {
            known.add(step.id);
            model.add(step.id);
          } else if (step.kind === "delete") {
            expect(known.delete(step.id)).toBe(model.delete(step.id));
          } else if (step.kind === "has") {
            expect(known.has(step.id)).toBe(model.has(step.id));
          } else if (step.kind === "clear") {
            known.clear();
            model.clear();
          } else if (step.kind === "adopt") {
            // Adopting another shared set while ids are held adds them (a later snapshot).
            known.adopt(new Set(step.ids));
            for (const each of step.ids) model.add(each);
          }
          expect(known.size).toBe(model.size);
        }
        for (const each of ["1", "2", "3", "4", "5", "6", "7", "8"]) expect(known.has(each)).toBe(model.has(each));
        expect([...base]).toEqual(frozen);
      }),
    );
  });

  it("two streams sharing one snapshot diverge independently", () => {
    const shared = new Set(["1", "2"]);
    const a = new KnownIds();
    const b = new KnownIds();
    a.adopt(shared);
    b.adopt(shared);
    expect(a.delete("1")).toBe(true);
    a.add("3");
    expect([a.has("1"), a.has("2"), a.has("3"), a.size]).toEqual([false, true, true, 2]);
    expect([b.has("1"), b.has("2"), b.has("3"), b.size]).toEqual([true, true, false, 2]);
    expect([...shared]).toEqual(["1", "2"]);
  });
});
