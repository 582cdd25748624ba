/**
 * The Prometheus text exposition format (version 0.0.4): name and label checks, escaping of HELP
 * text and label values, and number formatting. Only the format; metrics live in `metrics.ts`.
 */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Throws a TypeError for a name Prometheus would reject (a programming error, caught at definition). */
export function assertMetricName(name: string): void {
  if (!METRIC_NAME.test(name)) throw new TypeError(`covara metrics: invalid metric name ${JSON.stringify(name)}`);
}

/** Throws a TypeError for an invalid or reserved (`__`-prefixed, `le` on histograms) label name. */
export function assertLabelNames(names: readonly string[], reserved: readonly string[] = []): void {
  for (const name of names) {
    if (!LABEL_NAME.test(name) || name.startsWith("__") || reserved.includes(name))
      throw new TypeError(`covara metrics: invalid label name ${JSON.stringify(name)}`);
  }
}

/** HELP text: backslash and line feed escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A label value: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** A sample value: Go-style `+Inf`, `-Inf`, `NaN`, otherwise the shortest round-tripping form. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** `{a="1",b="2"}` for the given names and values, or "" when there are none. */
export function formatLabels(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? "")}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/** The `# HELP` and `# TYPE` lines of a metric family. */
export function familyHeader(name: string, help: string, type: "counter" | "gauge" | "histogram"): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}
