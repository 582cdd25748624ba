/** Metrics from the request log: per route, how many requests, their status classes and latency percentiles. */
import { Head, timeText } from "../cells";
import { renderPage } from "../layout";
import type { AdminRequestLine } from "../types";
import type { AdminView } from "../view";
import { NoLogSource } from "./logs-page";

interface RouteStats {
  route: string;
  count: number;
  statuses: Record<string, number>;
  p50: number;
  p95: number;
}

/** The `q` quantile of sorted numbers (nearest rank). */
function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** Request lines grouped by route (or path), busiest first. */
export function routeStats(lines: readonly AdminRequestLine[]): RouteStats[] {
  const groups = new Map<string, AdminRequestLine[]>();
  for (const line of lines) {
    const key = `${line.method} ${line.route ?? line.path}`;
    const group = groups.get(key);
    if (group) group.push(line);
    else groups.set(key, [line]);
  }
  return [...groups]
    .map(([route, group]) => {
      const durations = group.map((line) => line.durationMs).sort((a, b) => a - b);
      const statuses: Record<string, number> = {};
      for (const line of group)
        statuses[`${String(line.status)[0]}xx`] = (statuses[`${String(line.status)[0]}xx`] ?? 0) + 1;
      return { route, count: group.length, statuses, p50: quantile(durations, 0.5), p95: quantile(durations, 0.95) };
    })
    .sort((a, b) => b.count - a.count);
}

/** GET /metrics */
export async function metricsPage(view: AdminView): Promise<Response> {
  const logs = view.services.logs;
  const stats = logs === undefined ? [] : routeStats(await logs.requests(1000));
  const measured = (await logs?.metrics?.(50)) ?? [];
  const busiest = Math.max(1, ...stats.map((entry) => entry.count));
  const total = stats.reduce((sum, entry) => sum + entry.count, 0);
  const failing = stats.reduce((sum, entry) => sum + (entry.statuses["5xx"] ?? 0), 0);
  const slowest = Math.max(0, ...stats.map((entry) => entry.p95));
  const body = (
    <>
      <h1>Metrics</h1>
      <p class="lead">From the newest 1000 requests: volume, status classes and latency per route.</p>
      {total > 0 ? (
        <div class="grid">
          <div class="stat">
            <b>{total}</b>
            <span>requests</span>
          </div>
          <div class="stat">
            <b>{stats.length}</b>
            <span>routes</span>
          </div>
          <div class="stat">
            <b>{`${((failing / total) * 100).toFixed(1)}%`}</b>
            <span>5xx rate</span>
          </div>
          <div class="stat">
            <b>{slowest.toFixed(1)}</b>
            <span>slowest route p95 (ms)</span>
          </div>
        </div>
      ) : null}
      {logs === undefined ? (
        <NoLogSource />
      ) : (
        <div class="table-wrap">
          {stats.length === 0 ? (
            <p class="empty">No requests logged yet.</p>
          ) : (
            <table>
              <Head columns={["route", "requests", "", "2xx", "4xx", "5xx", "p50 ms", "p95 ms"]} />
              <tbody>
                {stats.map((entry) => (
                  <tr key={entry.route}>
                    <td class="mono">{entry.route}</td>
                    <td>{entry.count}</td>
                    <td>
                      <meter min={0} max={busiest} value={entry.count} />
                    </td>
                    <td>{entry.statuses["2xx"] ?? 0}</td>
                    <td>{entry.statuses["4xx"] ?? 0}</td>
                    <td>{entry.statuses["5xx"] ?? 0}</td>
                    <td>{entry.p50.toFixed(1)}</td>
                    <td>{entry.p95.toFixed(1)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
      {measured.length > 0 ? (
        <>
          <h2>Recorded metrics</h2>
          <div class="table-wrap">
            <table>
              <Head columns={["time", "name", "value", "labels"]} />
              <tbody>
                {measured.map((metric) => (
                  <tr key={`${metric.time}-${metric.name}`}>
                    <td class="mono">{timeText(metric.time)}</td>
                    <td class="mono">{metric.name}</td>
                    <td>{metric.value}</td>
                    <td class="mono">
                      {metric.labels
                        ? Object.entries(metric.labels)
                            .map(([key, value]) => `${key}=${value}`)
                            .join(" ")
                        : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </>
  );
  return renderPage(view, { title: "Metrics", active: "metrics", body });
}
