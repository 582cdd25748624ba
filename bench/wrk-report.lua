-- Printed by wrk once the run ends: one machine-readable line for bench/load.ts.
-- Latencies are in microseconds; errors.status counts answers outside 2xx/3xx.
done = function(summary, latency, requests)
  io.write(string.format(
    'WRK {"requests":%d,"durationUs":%d,"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,' ..
      '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
