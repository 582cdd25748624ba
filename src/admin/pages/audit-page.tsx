/** The admin audit log: who did what, as whom, newest first. */
import { Head, timeText } from "../cells";
import { renderPage } from "../layout";
import type { AdminView } from "../view";

/** GET /audit */
export async function auditPage(view: AdminView): Promise<Response> {
  const entries = await view.services.audit.recent(200);
  const body = (
    <>
      <h1>Audit log</h1>
      <p class="lead">Every bypassed, impersonated and data explorer action, with the real admin's id.</p>
      <div class="table-wrap">
        {entries.length === 0 ? (
          <p class="empty">No admin actions recorded yet.</p>
        ) : (
          <table>
            <Head columns={["time", "action", "admin", "as user", "request", "detail"]} />
            <tbody>
              {entries.map((entry) => (
                <tr key={`${entry.at}-${entry.action}-${entry.path ?? ""}`}>
                  <td class="mono">{timeText(entry.at)}</td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td>{entry.adminId}</td>
                  <td>{entry.impersonatedId ?? ""}</td>
                  <td class="mono">{[entry.method, entry.path].filter(Boolean).join(" ")}</td>
                  <td class="mono">{entry.detail ? JSON.stringify(entry.detail) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
  return renderPage(view, { title: "Audit log", active: "audit", body });
}
