import { describe, expect, it } from "vitest";
import { ProblemError } from "../../src/kernel/errors";
import { cronOccurrencesBetween, nextCronOccurrence, parseCron } from "../../src/tasks";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace(".000", ""));
const next = (cron: string, after: string, tz = "UTC") => iso(nextCronOccurrence(cron, at(after), tz));
const between = (cron: string, from: string, to: string, tz: string) =>
  cronOccurrencesBetween(cron, at(from), at(to), tz).map(iso);

describe("cron parser", () => {
  it.each([
    ["*/15 * * * *", "2024-01-01T00:07:00Z", "2024-01-01T00:15:00Z"],
    ["*/15 * * * *", "2024-01-01T00:15:00Z", "2024-01-01T00:30:00Z"],
    ["5/20 * * * *", "2024-01-01T00:26:00Z", "2024-01-01T00:45:00Z"],
    ["0 9 * * MON-FRI", "2024-01-05T10:00:00Z", "2024-01-08T09:00:00Z"],
    ["0 0 1 JAN,jul *", "2024-02-01T00:00:00Z", "2024-07-01T00:00:00Z"],
    ["30 4 1,15 * 5", "2024-01-01T05:00:00Z", "2024-01-05T04:30:00Z"],
    ["0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z"],
    ["0 12 * * 7", "2024-01-01T00:00:00Z", "2024-01-07T12:00:00Z"],
    ["0 12 * * sun", "2024-01-01T00:00:00Z", "2024-01-07T12:00:00Z"],
    ["0-10/5 8-9 * * *", "2024-01-01T08:10:00Z", "2024-01-01T09:00:00Z"],
    ["0 0 * 12 *", "2024-01-01T00:00:00Z", "2024-12-01T00:00:00Z"],
    ["59 23 31 12 *", "2024-06-01T00:00:00Z", "2024-12-31T23:59:00Z"],
    ["@hourly", "2024-01-01T10:30:00Z", "2024-01-01T11:00:00Z"],
    ["@daily", "2024-01-01T10:30:00Z", "2024-01-02T00:00:00Z"],
    ["@weekly", "2024-01-01T10:30:00Z", "2024-01-07T00:00:00Z"],
    ["@monthly", "2024-01-31T10:30:00Z", "2024-02-01T00:00:00Z"],
    ["@yearly", "2024-01-31T10:30:00Z", "2025-01-01T00:00:00Z"],
    ["* * * * *", "2024-01-01T10:30:59Z", "2024-01-01T10:31:00Z"],
    ["0 0 1 * MON", "2024-01-02T00:00:00Z", "2024-01-08T00:00:00Z"],
    ["0 0 */10 * *", "2024-01-02T00:00:00Z", "2024-01-11T00:00:00Z"],
  ])("%s after %s → %s", (cron, after, expected) => {
    expect(next(cron, after)).toBe(expected);
  });

  it("returns null for an expression that never fires", () => {
    expect(nextCronOccurrence("0 0 31 2 *", at("2024-01-01T00:00:00Z"))).toBeNull();
  });

  it.each([
    ["60 * * * *", "outside 0-59"],
    ["* * *", "expected 5 fields"],
    ["5-1 * * * *", "runs backwards"],
    ["*/0 * * * *", "step"],
    ["a * * * *", "not a valid minute"],
    ["1,,2 * * * *", "empty list item"],
    ["* * 0 * *", "outside 1-31"],
    ["* * * 13 *", "outside 1-12"],
    ["* * * FOO *", "not a valid month"],
  ])("rejects %s", (cron, message) => {
    expect(() => parseCron(cron)).toThrow(ProblemError);
    expect(() => parseCron(cron)).toThrow(message);
  });

  it("reports a bad expression as an invalid-parameter problem naming cron", () => {
    try {
      parseCron("nope");
      expect.unreachable();
    } catch (error) {
      expect((error as ProblemError).toJSON()).toMatchObject({ code: "INVALID_PARAMETER", parameter: "cron" });
    }
  });
});

describe("cron in time zones", () => {
  it("reads fields in the zone's wall clock", () => {
    expect(next("0 6 * * *", "2024-01-10T00:00:00Z", "Europe/Berlin")).toBe("2024-01-10T05:00:00Z");
    expect(next("0 6 * * *", "2024-07-10T00:00:00Z", "Europe/Berlin")).toBe("2024-07-10T04:00:00Z");
    expect(next("0 0 * * *", "2024-01-10T00:00:00Z", "Asia/Kolkata")).toBe("2024-01-10T18:30:00Z");
    expect(next("0 9 * * *", "2024-03-09T14:00:00Z", "America/New_York")).toBe("2024-03-10T13:00:00Z");
  });

  it("America/New_York spring forward: a fixed time in the gap runs once, shifted; * hours skip the gap", () => {
    // 2024-03-10 02:00 EST → 03:00 EDT at 07:00Z.
    expect(next("30 2 * * *", "2024-03-09T07:30:00Z", "America/New_York")).toBe("2024-03-10T07:30:00Z");
    expect(next("30 2 * * *", "2024-03-10T07:30:00Z", "America/New_York")).toBe("2024-03-11T06:30:00Z");
    expect(between("*/30 * * * *", "2024-03-10T06:15:00Z", "2024-03-10T07:45:00Z", "America/New_York")).toEqual([
      "2024-03-10T06:30:00Z",
      "2024-03-10T07:00:00Z",
      "2024-03-10T07:30:00Z",
    ]);
  });

  it("America/New_York fall back: a fixed time runs once, * hours run in both passes", () => {
    // 2024-11-03 02:00 EDT → 01:00 EST at 06:00Z.
    expect(next("30 1 * * *", "2024-11-02T05:30:00Z", "America/New_York")).toBe("2024-11-03T05:30:00Z");
    expect(next("30 1 * * *", "2024-11-03T05:30:00Z", "America/New_York")).toBe("2024-11-04T06:30:00Z");
    expect(between("*/30 * * * *", "2024-11-03T04:45:00Z", "2024-11-03T07:15:00Z", "America/New_York")).toEqual([
      "2024-11-03T05:00:00Z",
      "2024-11-03T05:30:00Z",
      "2024-11-03T06:00:00Z",
      "2024-11-03T06:30:00Z",
      "2024-11-03T07:00:00Z",
    ]);
  });

  it("Europe/Berlin across both transitions", () => {
    // 2024-03-31 02:00 CET → 03:00 CEST at 01:00Z; 2024-10-27 03:00 CEST → 02:00 CET at 01:00Z.
    expect(next("30 2 * * *", "2024-03-30T01:30:00Z", "Europe/Berlin")).toBe("2024-03-31T01:30:00Z");
    expect(next("30 2 * * *", "2024-03-31T01:30:00Z", "Europe/Berlin")).toBe("2024-04-01T00:30:00Z");
    expect(next("30 2 * * *", "2024-10-26T00:30:00Z", "Europe/Berlin")).toBe("2024-10-27T00:30:00Z");
    expect(next("30 2 * * *", "2024-10-27T00:30:00Z", "Europe/Berlin")).toBe("2024-10-28T01:30:00Z");
    expect(between("0 * * * *", "2024-10-26T23:30:00Z", "2024-10-27T02:30:00Z", "Europe/Berlin")).toEqual([
      "2024-10-27T00:00:00Z",
      "2024-10-27T01:00:00Z",
      "2024-10-27T02:00:00Z",
    ]);
  });

  it("a whole year of daily New York occurrences is 366 distinct, increasing instants", () => {
    const list = cronOccurrencesBetween(
      "30 2 * * *",
      at("2024-01-01T00:00:00Z"),
      at("2025-01-01T00:00:00Z"),
      "America/New_York",
    );
    expect(list).toHaveLength(366);
    for (let i = 1; i < list.length; i++) expect(list[i]!).toBeGreaterThan(list[i - 1]!);
  });
});
