/**
 * In-process metrics: counters, gauges and histograms with labels, rendered in the Prometheus
 * text format. Each metric keeps at most `maxSeries` label combinations so that a hostile client
 * (random paths, methods) cannot grow memory without bound; samples for further combinations are
 * dropped and counted in `covara_metrics_dropped_series_total`.
 */
import { assertLabelNames, assertMetricName, familyHeader, formatLabels, formatSampleValue } from "./prometheus";

export type Labels = Record<string, string | number>;

export interface Counter {
  inc(labels?: Labels, by?: number): void;
}
export interface Gauge {
  set(labels: Labels | undefined, value: number): void;
}
export interface Histogram {
  observe(labels: Labels | undefined, value: number): void;
}

/** One series of a histogram, as `snapshot()` returns it. */
export interface HistogramSeries {
  labels: Record<string, string>;
  /** Cumulative counts per upper bound (`le`), the last being +Inf. */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

export interface MetricsRegistry {
  counter(name: string, help: string, labelNames?: readonly string[]): Counter;
  gauge(name: string, help: string, labelNames?: readonly string[]): Gauge;
  histogram(
    name: string,
    help: string,
    options?: { labelNames?: readonly string[]; buckets?: readonly number[] },
  ): Histogram;
  /** Every metric in the Prometheus text exposition format. */
  render(): string;
  /** Counter and gauge values and histogram series by metric name, for dashboards. */
  snapshot(): Record<
    string,
    {
      type: "counter" | "gauge" | "histogram";
      series: (HistogramSeries | { labels: Record<string, string>; value: number })[];
    }
  >;
}

/** Latency buckets in seconds, Prometheus client defaults. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  labelNames: readonly string[];
  buckets: readonly number[];
  /** Values (counter, gauge) or [bucket counts..., sum, count] (histogram) by label values joined with \u0000. */
  series: Map<string, number[]>;
}

export interface MetricsRegistryOptions {
  /** Label combinations kept per metric. @default 1000 */
  maxSeries?: number;
}

/** Creates an empty registry (apps get one on their context: `getMetrics(app)`). */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): MetricsRegistry {
  const maxSeries = options.maxSeries ?? 1000;
  const families = new Map<string, Family>();
  let dropped = 0;

  function define(
    name: string,
    help: string,
    type: Family["type"],
    labelNames: readonly string[],
    buckets: readonly number[] = [],
  ): Family {
    const existing = families.get(name);
    if (existing) {
      if (existing.type !== type || existing.labelNames.join() !== labelNames.join())
        throw new TypeError(`covara metrics: ${name} is already defined differently`);
      return existing;
    }
    assertMetricName(name);
    assertLabelNames(labelNames, type === "histogram" ? ["le"] : []);
    const family: Family = {
      name,
      help,
      type,
      labelNames: [...labelNames],
      buckets: [...buckets].sort((a, b) => a - b),
      series: new Map(),
    };
    families.set(name, family);
    return family;
  }

  /** The series' values for `labels`, created on first use (undefined past the series cap). */
  function seriesOf(family: Family, labels: Labels | undefined, size: number): number[] | undefined {
    let key = "";
    for (let i = 0; i < family.labelNames.length; i++)
      key += `${i === 0 ? "" : "\u0000"}${labels?.[family.labelNames[i] ?? ""] ?? ""}`;
    let values = family.series.get(key);
    if (values === undefined) {
      if (family.series.size >= maxSeries) {
        dropped++;
        return undefined;
      }
      values = new Array<number>(size).fill(0);
      family.series.set(key, values);
    }
    return values;
  }

  const labelValuesOf = (key: string, family: Family) => (family.labelNames.length === 0 ? [] : key.split("\u0000"));
  const labelRecord = (key: string, family: Family) =>
    Object.fromEntries(labelValuesOf(key, family).map((value, i) => [family.labelNames[i] ?? "", value]));

  function renderFamily(family: Family): string {
    let text = familyHeader(family.name, family.help, family.type);
    for (const [key, values] of family.series) {
      const labelValues = labelValuesOf(key, family);
      if (family.type !== "histogram") {
        text += `${family.name}${formatLabels(family.labelNames, labelValues)} ${formatSampleValue(values[0] ?? 0)}\n`;
        continue;
      }
      let cumulative = 0;
      family.buckets.forEach((le, i) => {
        cumulative += values[i] ?? 0;
        text += `${family.name}_bucket${formatLabels(family.labelNames, labelValues, ["le", formatSampleValue(le)])} ${cumulative}\n`;
      });
      const count = values[family.buckets.length + 1] ?? 0;
      text += `${family.name}_bucket${formatLabels(family.labelNames, labelValues, ["le", "+Inf"])} ${count}\n`;
      text += `${family.name}_sum${formatLabels(family.labelNames, labelValues)} ${formatSampleValue(values[family.buckets.length] ?? 0)}\n`;
      text += `${family.name}_count${formatLabels(family.labelNames, labelValues)} ${count}\n`;
    }
    return text;
  }

  return {
    counter(name, help, labelNames = []) {
      const family = define(name, help, "counter", labelNames);
      return {
        inc(labels, by = 1) {
          if (!(by >= 0) || !Number.isFinite(by)) return; // counters only go up
          const values = seriesOf(family, labels, 1);
          if (values) values[0] = (values[0] ?? 0) + by;
        },
      };
    },
    gauge(name, help, labelNames = []) {
      const family = define(name, help, "gauge", labelNames);
      return {
        set(labels, value) {
          const values = seriesOf(family, labels, 1);
          if (values) values[0] = value;
        },
      };
    },
    histogram(name, help, histogramOptions = {}) {
      const family = define(
        name,
        help,
        "histogram",
        histogramOptions.labelNames ?? [],
        histogramOptions.buckets ?? DEFAULT_BUCKETS,
      );
      const bucketCount = family.buckets.length;
      return {
        observe(labels, value) {
          if (!Number.isFinite(value)) return;
          const values = seriesOf(family, labels, bucketCount + 2);
          if (!values) return;
          let i = 0;
          while (i < bucketCount && value > (family.buckets[i] ?? Infinity)) i++;
          if (i < bucketCount) values[i] = (values[i] ?? 0) + 1;
          values[bucketCount] = (values[bucketCount] ?? 0) + value;
          values[bucketCount + 1] = (values[bucketCount + 1] ?? 0) + 1;
        },
      };
    },
    render() {
      let text = "";
      for (const family of families.values()) text += renderFamily(family);
      text += familyHeader(
        "covara_metrics_dropped_series_total",
        "Samples dropped because their metric had reached its series limit.",
        "counter",
      );
      return `${text}covara_metrics_dropped_series_total ${dropped}\n`;
    },
    snapshot() {
      const result: ReturnType<MetricsRegistry["snapshot"]> = {};
      for (const family of families.values()) {
        const series = [...family.series].map(([key, values]) => {
          const labels = labelRecord(key, family);
          if (family.type !== "histogram") return { labels, value: values[0] ?? 0 };
          let cumulative = 0;
          const count = values[family.buckets.length + 1] ?? 0;
          const buckets = family.buckets.map((le, i) => ({ le, count: (cumulative += values[i] ?? 0) }));
          buckets.push({ le: Infinity, count });
          return { labels, buckets, sum: values[family.buckets.length] ?? 0, count };
        });
        result[family.name] = { type: family.type, series };
      }
      return result;
    },
  };
}
