/**
 * Time-zone arithmetic with `Intl.DateTimeFormat` only (no dependency, Workers-safe). A "wall time"
 * is a local date and time encoded as the epoch ms it would have in UTC, so calendar arithmetic on
 * it is plain `Date.UTC` arithmetic.
 */
import { invalidOptionError } from "./errors";

const HOUR = 3_600_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Throws a problem error unless `timeZone` is an IANA zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  try {
    formatter(timeZone);
  } catch {
    throw invalidOptionError("timezone", `Unknown time zone ${JSON.stringify(timeZone)}`);
  }
}

/** The local wall time of an instant in `timeZone`, at second precision. */
export function wallTime(instant: number, timeZone: string): number {
  const seconds = Math.floor(instant / 1000) * 1000;
  if (timeZone === "UTC") return seconds;
  return seconds + offsetAt(seconds, timeZone);
}

/** The zone's UTC offset in ms at an instant (wall time minus instant). */
export function offsetAt(instant: number, timeZone: string): number {
  if (timeZone === "UTC") return 0;
  const at = Math.floor(instant / 1000) * 1000;
  let cache = offsetCache.get(timeZone);
  if (cache === undefined) {
    cache = new Map();
    offsetCache.set(timeZone, cache);
  }
  const cached = cache.get(at);
  if (cached !== undefined) return cached;
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  // Years before 100 would need setUTCFullYear; cron never goes there.
  const offset = wall - at;
  if (cache.size > 50_000) cache.clear();
  cache.set(at, offset);
  return offset;
}

export interface WallMapping {
  /** The instants showing this wall time: one normally, two in a repeated (fall-back) hour. */
  instants: number[];
  /** In a skipped (spring-forward) gap: the instant the same wall time has under the old offset. */
  shifted?: number;
  /** True when the offset changes within a few hours of this wall time. */
  nearTransition: boolean;
}

/** Maps a (minute-aligned) wall time back to instants in `timeZone`. */
export function instantsForWall(wall: number, timeZone: string): WallMapping {
  if (timeZone === "UTC") return { instants: [wall], nearTransition: false };
  const guess = wall - offsetAt(wall, timeZone);
  const before = offsetAt(guess - 3 * HOUR, timeZone);
  const after = offsetAt(guess + 3 * HOUR, timeZone);
  if (before === after) return { instants: [wall - before], nearTransition: false };
  const instants = [...new Set([wall - before, wall - after])]
    .filter((instant) => wallTime(instant, timeZone) === wall)
    .sort((a, b) => a - b);
  if (instants.length > 0) return { instants, nearTransition: true };
  return { instants, shifted: wall - before, nearTransition: true };
}
