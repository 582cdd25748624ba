/**
 * The admin UI on the app's observability log: its audit entries land there (actor = the real
 * admin, target = the impersonated user) and reach an admin audit sink; the request/error logs
 * and metrics views read the log's entries, escaped.
 */
import { afterEach, describe, expect, it } from "vitest";
import { getObservabilityLog, setAdminAuditSink, type AuditEntry } from "../../src/observability";
import { ADMIN, adminApp, as, page, userManager } from "./helpers/admin-app";

let close: (() => void) | undefined;
afterEach(() => close?.());

describe("admin UI over the observability log", () => {
  it("writes impersonated and bypassed actions as audit entries with both ids, forwarded to the audit sink", async () => {
    const made = await adminApp({ userManager: userManager() });
    close = made.close;
    const forwarded: AuditEntry[] = [];
    setAdminAuditSink((entry) => void forwarded.push(entry), made.app);
    await made.app.request("/api/todos", { headers: as(ADMIN, { "x-covara-impersonate": "ann" }) });
    await made.app.request("/api/todos", { headers: as(ADMIN, { "x-covara-admin-bypass": "1" }) });
    await getObservabilityLog(made.app).flush();
    const audit = await getObservabilityLog(made.app).query({ kind: "audit" });
    expect(audit.map(({ action, actorId, targetId, resource }) => ({ action, actorId, targetId, resource }))).toEqual([
      { action: "api_explorer_execute", actorId: "root", targetId: undefined, resource: "/api/todos" },
      { action: "impersonate_execute", actorId: "root", targetId: "ann", resource: "/api/todos" },
    ]);
    expect(forwarded.map((entry) => entry.action)).toEqual(["impersonate_execute", "api_explorer_execute"]);
    const html = await page(made.app, "/__covara/ui/audit");
    expect(html).toContain("impersonate_execute");
    expect(html).toContain("<td>ann</td>");
  });

  it("shows the log's request and error entries, escaped, and metrics from them", async () => {
    const made = await adminApp({ userManager: userManager() });
    close = made.close;
    const log = getObservabilityLog(made.app);
    log.append({
      kind: "request",
      method: "GET",
      route: "/api/todos",
      path: "/api/todos?<img src=x onerror=alert(1)>",
      status: 200,
      durationMs: 4,
    });
    log.append({ kind: "request", method: "GET", route: "/api/todos", path: "/api/todos", status: 500, durationMs: 8 });
    log.append({ kind: "error", message: "<script>alert(1)</script> boom", code: "INTERNAL_ERROR", status: 500 });
    log.append({ kind: "metric", name: "queue_depth", value: 7, labels: { queue: "<b>emails</b>" } });
    const requests = await page(made.app, "/__covara/ui/logs");
    expect(requests).toContain("/api/todos?&lt;img src=x onerror=alert(1)&gt;");
    const errors = await page(made.app, "/__covara/ui/logs?kind=errors");
    expect(errors).toContain("&lt;script&gt;alert(1)&lt;/script&gt; boom");
    expect(errors).not.toContain("<script>alert");
    const metrics = await page(made.app, "/__covara/ui/metrics");
    expect(metrics).toContain("GET /api/todos");
    // The middleware also records the admin's own page views, so check the fed route's row: 2
    // requests, one 2xx, no 4xx, one 5xx.
    expect(metrics).toMatch(
      /<td class="mono">GET \/api\/todos<\/td><td>2<\/td><td>.*?<\/td><td>1<\/td><td>0<\/td><td>1<\/td>/,
    );
    expect(metrics).toContain("queue_depth");
    expect(metrics).toContain("queue=&lt;b&gt;emails&lt;/b&gt;");
  });
});
