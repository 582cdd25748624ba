/** The request and error logs of the app's observability log, newest first. */
import { Head, MethodBadge, StatusBadge, timeText } from "../cells";
import { renderPage } from "../layout";
import type { AdminView } from "../view";

/** Said when the app keeps no log to read. */
export function NoLogSource() {
  return <p class="empty card">This app keeps no observability log.</p>;
}

/** GET /logs?kind=requests|errors */
export async function logsPage(view: AdminView): Promise<Response> {
  const kind = view.c.req.query("kind") === "errors" ? "errors" : "requests";
  const logs = view.services.logs;
  const base = `${view.services.base}/logs`;
  let table = <NoLogSource />;
  if (logs !== undefined && kind === "requests") {
    const lines = await logs.requests(200);
    table = (
      <div class="table-wrap">
        {lines.length === 0 ? (
          <p class="empty">No requests logged yet.</p>
        ) : (
          <table>
            <Head columns={["time", "method", "path", "status", "ms", "user"]} />
            <tbody>
              {lines.map((line) => (
                <tr key={`${line.time}-${line.method}-${line.path}`}>
                  <td class="mono">{timeText(line.time)}</td>
                  <td>
                    <MethodBadge method={line.method} />
                  </td>
                  <td class="mono">{line.path}</td>
                  <td>
                    <StatusBadge status={line.status} />
                  </td>
                  <td>{line.durationMs.toFixed(1)}</td>
                  <td>{line.userId ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    );
  } else if (logs !== undefined) {
    const lines = await logs.errors(200);
    table = (
      <div class="table-wrap">
        {lines.length === 0 ? (
          <p class="empty">No errors logged.</p>
        ) : (
          <table>
            <Head columns={["time", "code", "message", "request"]} />
            <tbody>
              {lines.map((line) => (
                <tr key={`${line.time}-${line.message}`}>
                  <td class="mono">{timeText(line.time)}</td>
                  <td>
                    <code>{line.code ?? ""}</code>
                  </td>
                  <td>{line.message}</td>
                  <td class="mono">{[line.method, line.path].filter(Boolean).join(" ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    );
  }
  const body = (
    <>
      <h1>Requests &amp; errors</h1>
      <p class="lead">The newest entries of the app's observability log.</p>
      <nav class="tabs">
        <a href={`${base}?kind=requests`} aria-current={kind === "requests" ? "page" : undefined}>
          Requests
        </a>
        <a href={`${base}?kind=errors`} aria-current={kind === "errors" ? "page" : undefined}>
          Errors
        </a>
      </nav>
      {table}
    </>
  );
  return renderPage(view, { title: "Requests & errors", active: "logs", body });
}
