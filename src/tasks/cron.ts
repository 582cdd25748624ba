/**
 * A five-field cron parser (minute hour day-of-month month day-of-week) with ranges, steps, lists,
 * month and weekday names and @macros, and the next occurrence in any IANA time zone.
 *
 * DST follows Vixie cron: in a skipped hour a job with a fixed hour runs once, shifted by the gap,
 * and a job with `*` hours has nothing to run; in a repeated hour a fixed-hour job runs once (the
 * first time the wall clock shows it) and a `*`-hour job runs in both passes.
 */
import { invalidOptionError } from "./errors";
import { instantsForWall, offsetAt, wallTime } from "./timezone";

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** How far ahead a search goes before declaring the expression never fires (leap days need 8 years). */
const HORIZON_MS = 9 * 366 * 24 * HOUR;

export interface CronExpression {
  readonly source: string;
  readonly minutes: readonly boolean[];
  readonly hours: readonly boolean[];
  readonly daysOfMonth: readonly boolean[];
  readonly months: readonly boolean[];
  readonly daysOfWeek: readonly boolean[];
  /** Vixie semantics: with both day fields restricted a day matches either. */
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
  readonly hourWildcard: boolean;
}

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  names?: string[];
  /** The value names[0] stands for. */
  nameBase?: number;
}
const FIELDS: FieldSpec[] = [
  { label: "minute", min: 0, max: 59 },
  { label: "hour", min: 0, max: 23 },
  { label: "day of month", min: 1, max: 31 },
  { label: "month", min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { label: "day of week", min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

function fail(source: string, detail: string): never {
  throw invalidOptionError("cron", `Invalid cron expression ${JSON.stringify(source)}: ${detail}`);
}

function parseValue(source: string, spec: FieldSpec, text: string): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + (spec.nameBase ?? 0);
  if (!/^\d+$/.test(text)) fail(source, `"${text}" is not a valid ${spec.label}`);
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    fail(source, `${spec.label} ${value} is outside ${spec.min}-${spec.max}`);
  }
  return value;
}

function parseField(source: string, spec: FieldSpec, text: string): boolean[] {
  const allowed = new Array<boolean>(spec.max + 1).fill(false);
  for (const item of text.split(",")) {
    if (item === "") fail(source, `empty list item in the ${spec.label} field`);
    const [range, stepText, extra] = item.split("/");
    if (extra !== undefined || range === undefined || range === "") fail(source, `malformed ${spec.label} "${item}"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0)
        fail(source, `step "${stepText}" must be a positive integer`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === "*" || range === "?") {
      from = spec.min;
      to = spec.label === "day of week" ? 6 : spec.max;
    } else if (range.includes("-")) {
      const [low, high, more] = range.split("-");
      if (more !== undefined || !low || !high) fail(source, `malformed range "${range}"`);
      from = parseValue(source, spec, low);
      to = parseValue(source, spec, high);
      if (from > to) fail(source, `range "${range}" runs backwards`);
    } else {
      from = parseValue(source, spec, range);
      // "a/s" means from a to the end of the field, stepping s.
      to = stepText === undefined ? from : spec.label === "day of week" ? 6 : spec.max;
    }
    for (let value = from; value <= to; value += step) allowed[value] = true;
  }
  return allowed;
}

/** Parses a cron expression; throws a problem error (`invalid-parameter`, parameter `cron`) when malformed. */
export function parseCron(expression: string): CronExpression {
  const source = expression;
  const text = MACROS[expression.trim().toLowerCase()] ?? expression.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) fail(source, `expected 5 fields (minute hour day month weekday), got ${parts.length}`);
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = parts.map((part, index) =>
    parseField(source, FIELDS[index]!, part),
  ) as [boolean[], boolean[], boolean[], boolean[], boolean[]];
  // 7 is another name for Sunday.
  if (daysOfWeek[7]) daysOfWeek[0] = true;
  return {
    source,
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek: daysOfWeek.slice(0, 7),
    domRestricted: !parts[2]!.startsWith("*") && !parts[2]!.startsWith("?"),
    dowRestricted: !parts[4]!.startsWith("*") && !parts[4]!.startsWith("?"),
    hourWildcard: parts[1] === "*",
  };
}

function dayMatches(cron: CronExpression, date: Date): boolean {
  const dom = cron.daysOfMonth[date.getUTCDate()] === true;
  const dow = cron.daysOfWeek[date.getUTCDay()] === true;
  // A field starting with "*" (even "*/2") is unrestricted for this rule, as in Vixie cron.
  return cron.domRestricted && cron.dowRestricted ? dom || dow : dom && dow;
}

/** The first wall time at or after `wall` (rounded up to the minute) that the expression matches. */
export function nextWallMatch(cron: CronExpression, wall: number): number | null {
  let t = Math.ceil(wall / MINUTE) * MINUTE;
  const limit = t + HORIZON_MS;
  while (t <= limit) {
    const date = new Date(t);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth();
    const day = date.getUTCDate();
    const hour = date.getUTCHours();
    if (!cron.months[month + 1]) {
      t = Date.UTC(year, month + 1, 1);
    } else if (!dayMatches(cron, date)) {
      t = Date.UTC(year, month, day + 1);
    } else if (!cron.hours[hour]) {
      t = Date.UTC(year, month, day, hour + 1);
    } else {
      const minute = cron.minutes.indexOf(true, date.getUTCMinutes());
      if (minute >= 0) return Date.UTC(year, month, day, hour, minute);
      t = Date.UTC(year, month, day, hour + 1);
    }
  }
  return null;
}

/** The first instant strictly after `after` (epoch ms) at which the expression fires in `timeZone`. */
export function nextCronOccurrence(cron: CronExpression | string, after: number, timeZone = "UTC"): number | null {
  const expression = typeof cron === "string" ? parseCron(cron) : cron;
  const afterWall = Math.floor(wallTime(after, timeZone) / MINUTE) * MINUTE;
  // Near a fall-back the wall clock goes backwards, so earlier wall times can still lie ahead.
  const recentShift = offsetAt(after - 3 * HOUR, timeZone) !== offsetAt(after + 3 * HOUR, timeZone);
  let wall = nextWallMatch(expression, recentShift ? afterWall - 3 * HOUR : afterWall + MINUTE);
  let best: number | null = null;
  let stopAfterWall = Number.POSITIVE_INFINITY;
  while (wall !== null && wall <= stopAfterWall) {
    const mapping = instantsForWall(wall, timeZone);
    let candidates: number[];
    if (mapping.shifted !== undefined) candidates = expression.hourWildcard ? [] : [mapping.shifted];
    else candidates = expression.hourWildcard ? mapping.instants : mapping.instants.slice(0, 1);
    for (const candidate of candidates) {
      if (candidate > after && (best === null || candidate < best)) {
        best = candidate;
        // Instants follow wall order except across a transition, so look a little further there.
        stopAfterWall = mapping.nearTransition ? wall + 3 * HOUR : wall;
      }
    }
    wall = nextWallMatch(expression, wall + MINUTE);
  }
  return best;
}

/** Occurrences in (from, to], oldest first, at most `limit`. */
export function cronOccurrencesBetween(
  cron: CronExpression | string,
  from: number,
  to: number,
  timeZone = "UTC",
  limit = 1000,
): number[] {
  const expression = typeof cron === "string" ? parseCron(cron) : cron;
  const found: number[] = [];
  let cursor = from;
  while (found.length < limit) {
    const next = nextCronOccurrence(expression, cursor, timeZone);
    if (next === null || next > to) break;
    found.push(next);
    cursor = next;
  }
  return found;
}
