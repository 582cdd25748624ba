/** Metrics and the Prometheus text format: HELP/TYPE, cumulative buckets, escaping, the series cap. */
import { describe, expect, it } from "vitest";
import { createMetricsRegistry } from "../../src/observability";

describe("createMetricsRegistry", () => {
  it("renders counters, gauges and histograms in the text exposition format", () => {
    const metrics = createMetricsRegistry();
    const hits = metrics.counter("app_hits_total", "Hits.\nSecond line with a \\ backslash.", ["path"]);
    hits.inc({ path: '/a"b\\c\nd' });
    hits.inc({ path: '/a"b\\c\nd' }, 2);
    metrics.gauge("app_queue_depth", "Queue depth.").set(undefined, 7);
    const latency = metrics.histogram("app_latency_seconds", "Latency.", {
      labelNames: ["route"],
      buckets: [0.1, 0.5],
    });
    latency.observe({ route: "/x" }, 0.05);
    latency.observe({ route: "/x" }, 0.3);
    latency.observe({ route: "/x" }, 2);
    const text = metrics.render();
    expect(text).toContain(
      "# HELP app_hits_total Hits.\\nSecond line with a \\\\ backslash.\n# TYPE app_hits_total counter\n",
    );
    expect(text).toContain('app_hits_total{path="/a\\"b\\\\c\\nd"} 3\n');
    expect(text).toContain("# TYPE app_queue_depth gauge\napp_queue_depth 7\n");
    expect(text).toContain(
      [
        "# TYPE app_latency_seconds histogram",
        'app_latency_seconds_bucket{route="/x",le="0.1"} 1',
        'app_latency_seconds_bucket{route="/x",le="0.5"} 2',
        'app_latency_seconds_bucket{route="/x",le="+Inf"} 3',
        'app_latency_seconds_sum{route="/x"} 2.35',
        'app_latency_seconds_count{route="/x"} 3',
      ].join("\n"),
    );
    expect(text.endsWith("\n")).toBe(true);
    // Every sample line is `name{labels} value` with no stray line breaks.
    for (const line of text.trimEnd().split("\n"))
      expect(line).toMatch(/^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*|[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+)$/);
  });

  it("rejects invalid names and redefinitions, and ignores negative counter increments", () => {
    const metrics = createMetricsRegistry();
    expect(() => metrics.counter("bad-name", "x")).toThrow(TypeError);
    expect(() => metrics.counter("ok_total", "x", ["__reserved"])).toThrow(TypeError);
    expect(() => metrics.histogram("h", "x", { labelNames: ["le"] })).toThrow(TypeError);
    const counter = metrics.counter("c_total", "x");
    counter.inc(undefined, -5);
    counter.inc();
    expect(() => metrics.gauge("c_total", "x")).toThrow(TypeError);
    expect(metrics.render()).toContain("\nc_total 1\n");
  });

  it("caps the series of a metric and counts what it drops", () => {
    const metrics = createMetricsRegistry({ maxSeries: 3 });
    const counter = metrics.counter("paths_total", "x", ["path"]);
    for (let i = 0; i < 10; i++) counter.inc({ path: `/random/${i}` });
    const text = metrics.render();
    expect(text.match(/^paths_total\{/gm)).toHaveLength(3);
    expect(text).toContain("covara_metrics_dropped_series_total 7\n");
    expect(metrics.snapshot().paths_total?.series).toHaveLength(3);
  });
});
