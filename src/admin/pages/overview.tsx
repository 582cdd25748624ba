/** The admin home: every resource with its row count, and where to go next. */
import { forwardAsAdmin, readBody } from "../forward";
import { renderPage } from "../layout";
import type { AdminView } from "../view";

/** GET / and GET /data */
export async function overviewPage(view: AdminView, active: "" | "data"): Promise<Response> {
  const { base } = view.services;
  const resources = view.services.resources();
  const counts = await Promise.all(
    resources.map(async (resource) => {
      const response = await forwardAsAdmin(view, "GET", `${resource.path}/count`);
      const count = response.ok ? Reflect.get(Object(await readBody(response)), "count") : undefined;
      return typeof count === "number" ? count : undefined;
    }),
  );
  const recent = await view.services.audit.recent(5);
  const body = (
    <>
      <h1>{active === "data" ? "Data explorer" : "Overview"}</h1>
      <p class="lead">Every resource of the app, read through its own endpoints.</p>
      <div class="grid">
        {resources.map((resource, index) => (
          <a key={resource.path} class="stat" href={`${base}/data/${encodeURIComponent(resource.handle.name)}`}>
            <b>{counts[index] ?? "—"}</b>
            <span>
              {resource.handle.name} · <code>{resource.path}</code>
            </span>
          </a>
        ))}
      </div>
      {resources.length === 0 ? <p class="empty card">No resources are mounted yet.</p> : null}
      {active === "" ? (
        <>
          <h2>Recent admin activity</h2>
          <div class="card">
            {recent.length === 0 ? (
              <p class="empty">Nothing yet.</p>
            ) : (
              recent.map((entry) => (
                <div key={`${entry.at}-${entry.action}-${entry.path ?? ""}`}>
                  <code>{entry.action}</code> by {entry.adminId}
                  {entry.impersonatedId ? ` as ${entry.impersonatedId}` : ""}{" "}
                  {entry.path ? <code>{entry.path}</code> : null}
                </div>
              ))
            )}
          </div>
        </>
      ) : null}
    </>
  );
  return renderPage(view, { title: active === "data" ? "Data" : "Overview", active, body });
}
