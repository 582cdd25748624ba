/**
 * The data explorer's writes and downloads, each through the resource's own endpoint (so hooks,
 * validation and realtime stay intact), then back to the table with a notice or the error.
 */
import { formToJson } from "../../kernel/form-values";
import { forwardAsAdmin, problemMessage, readBody } from "../forward";
import { resourceNamed } from "../resources";
import type { AdminView } from "../view";

type Operation = "create" | "update" | "delete";

/** Where to go back to: the page the form came from, if it is a data explorer page. */
function backTo(view: AdminView, name: string, fields: Record<string, unknown>): URL {
  const fallback = `${view.services.base}/data/${encodeURIComponent(name)}`;
  const back = typeof fields._back === "string" && fields._back.startsWith(`${fallback}`) ? fields._back : fallback;
  const url = new URL(back, view.c.req.url);
  url.searchParams.delete("edit");
  url.searchParams.delete("notice");
  url.searchParams.delete("error");
  return url;
}

/** POST /data/:name/rows[/:id[/delete]] */
export async function writeRow(view: AdminView, name: string, operation: Operation, id?: string): Promise<Response> {
  const resource = resourceNamed(view.services, name);
  const fields = await view.c.req.parseBody();
  const pairs = Object.entries(fields).filter(
    (entry): entry is [string, string] => !entry[0].startsWith("_") && typeof entry[1] === "string",
  );
  const path = id === undefined ? resource.path : `${resource.path}/${encodeURIComponent(id)}`;
  const method = operation === "create" ? "POST" : operation === "update" ? "PATCH" : "DELETE";
  const init = operation === "delete" ? {} : { json: formToJson(pairs, resource.handle.info.columns) };
  const response = await forwardAsAdmin(view, method, path, init);
  const body = response.status === 204 ? null : await readBody(response);
  await view.services.record({
    action: `row_${operation}`,
    adminId: view.admin.id,
    method,
    path,
    detail: { resource: name, status: response.status, ...(id === undefined ? {} : { id }) },
  });
  const url = backTo(view, name, fields);
  if (response.ok)
    url.searchParams.set(
      "notice",
      `${operation === "create" ? "Created" : operation === "update" ? "Saved" : "Deleted"} ${name}${id === undefined ? "" : ` ${id}`}`,
    );
  else url.searchParams.set("error", problemMessage(body, `The ${operation} failed (${response.status})`));
  return view.c.redirect(`${url.pathname}${url.search}`, 303);
}

/** GET /data/:name/rows/:id/download: the file resource's download, as the admin. */
export async function downloadRow(view: AdminView, name: string, id: string): Promise<Response> {
  const resource = resourceNamed(view.services, name);
  const path = `${resource.path}/${encodeURIComponent(id)}/download`;
  const response = await forwardAsAdmin(view, "GET", path);
  await view.services.record({
    action: "file_download",
    adminId: view.admin.id,
    method: "GET",
    path,
    detail: { resource: name, id, status: response.status },
  });
  return new Response(response.body, response);
}

/**
 * GET /data/:name/live: the resource's SSE stream, opened as the admin with the scope bypass (an
 * EventSource cannot send the marker itself), so the table hears about every row it shows.
 */
export async function liveRows(view: AdminView, name: string): Promise<Response> {
  const resource = resourceNamed(view.services, name);
  const filter = view.c.req.query("filter");
  const response = await forwardAsAdmin(view, "GET", `${resource.path}/subscribe`, {
    query: filter ? { filter } : {},
    headers: { accept: "text/event-stream" },
  });
  return new Response(response.body, response);
}
