/**
 * The API explorer: the app's operations from its OpenAPI document, and a form that sends one
 * through the app as the admin, with the scope bypass or as an impersonated user. Every call is
 * audited once: a bypassed one here (api_explorer_execute), an impersonated one by the identity
 * middleware (impersonate_execute). Loading the OpenAPI document for the page is not an action.
 */
import { CsrfField, MethodBadge, StatusBadge } from "../cells";
import { forwardAsAdmin } from "../forward";
import { renderPage } from "../layout";
import type { AdminView } from "../view";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

interface Operation {
  method: string;
  path: string;
  summary: string;
}

/** The operations of the OpenAPI document, in document order. */
async function operations(view: AdminView): Promise<Operation[]> {
  const response = await forwardAsAdmin(view, "GET", "/__covara/openapi.json");
  if (!response.ok) return [];
  const paths: unknown = Reflect.get(Object(await response.json()), "paths");
  const found: Operation[] = [];
  for (const [path, item] of Object.entries(Object(paths))) {
    for (const [method, operation] of Object.entries(Object(item))) {
      if (!METHODS.some((known) => known.toLowerCase() === method)) continue;
      const summary = Reflect.get(Object(operation), "summary");
      found.push({ method: method.toUpperCase(), path, summary: typeof summary === "string" ? summary : "" });
    }
  }
  return found;
}

interface Sent {
  method: string;
  path: string;
  query: string;
  body: string;
  as: string;
}

interface Result {
  status: number;
  headers: string;
  body: string;
}

/** The explorer page, with the last call's request and result. */
async function explorerPage(view: AdminView, sent: Sent, result?: Result, error?: string): Promise<Response> {
  const ops = await operations(view);
  const content = (
    <>
      <h1>API explorer</h1>
      <p class="lead">
        Calls run through the app with your credentials and the <code>x-covara-admin-bypass</code> marker, or as a user
        with <code>x-covara-impersonate</code>. Each one is audited.
      </p>
      <form method="post" class="card">
        <CsrfField token={view.csrf} />
        <div class="toolbar">
          <label class="grow">
            Operation
            <select id="operation">
              <option value="">Pick one of {ops.length} operations…</option>
              {ops.map((op) => (
                <option
                  key={`${op.method} ${op.path}`}
                  value={`${op.method} ${op.path}`}
                  data-method={op.method}
                  data-path={op.path}
                >
                  {`${op.method} ${op.path}${op.summary ? ` — ${op.summary}` : ""}`}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div class="toolbar">
          <label>
            Method
            <select id="method" name="method">
              {METHODS.map((method) => (
                <option key={method} selected={sent.method === method}>
                  {method}
                </option>
              ))}
            </select>
          </label>
          <label class="grow">
            Path
            <input id="path" name="path" value={sent.path} placeholder="/api/todos/1" required />
          </label>
          <label class="grow">
            Query
            <input name="query" value={sent.query} placeholder="filter=done==false&limit=5" />
          </label>
          <label>
            As user
            <input name="as" value={sent.as} placeholder="user id" size={8} />
          </label>
        </div>
        <label class="block">
          Body (JSON)
          <textarea name="body" placeholder='{"title":"JSON body"}'>
            {sent.body}
          </textarea>
        </label>
        <button type="submit">Send</button>
      </form>
      {error ? (
        <div class="alert" role="alert">
          {error}
        </div>
      ) : null}
      {result ? (
        <div class="card" id="result">
          <h2>
            <MethodBadge method={sent.method} /> <code>{sent.path}</code> <StatusBadge status={result.status} />
          </h2>
          <pre>{result.headers}</pre>
          <pre>{result.body}</pre>
        </div>
      ) : null}
      <h2>Operations</h2>
      <div class="table-wrap">
        <table>
          <tbody>
            {ops.map((op) => (
              <tr key={`${op.method} ${op.path}`}>
                <td>
                  <MethodBadge method={op.method} />
                </td>
                <td class="mono">{op.path}</td>
                <td>{op.summary}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
  return renderPage(view, { title: "API explorer", active: "api", body: content }, error ? 400 : 200);
}

/** GET /api */
export function apiExplorerPage(view: AdminView): Promise<Response> {
  return explorerPage(view, { method: "GET", path: "", query: "", body: "", as: "" });
}

/** POST /api: sends the call and shows its answer. */
export async function executeApiCall(view: AdminView): Promise<Response> {
  const fields = await view.c.req.parseBody();
  const text = (name: string) => (typeof fields[name] === "string" ? fields[name].trim() : "");
  const sent: Sent = {
    method: text("method").toUpperCase(),
    path: text("path"),
    query: text("query"),
    body: text("body"),
    as: text("as"),
  };
  if (!METHODS.some((method) => method === sent.method)) return explorerPage(view, sent, undefined, "Pick a method");
  // Only paths of this app: a scheme-relative `//host/...` would leave it.
  if (!sent.path.startsWith("/") || sent.path.startsWith("//"))
    return explorerPage(view, sent, undefined, "The path must start with a single /");
  let json: unknown;
  if (sent.body !== "" && sent.method !== "GET" && sent.method !== "DELETE") {
    try {
      json = JSON.parse(sent.body);
    } catch {
      return explorerPage(view, sent, undefined, "The body is not valid JSON");
    }
  }
  const query = Object.fromEntries(new URLSearchParams(sent.query));
  const response = await forwardAsAdmin(view, sent.method, sent.path, { query, json, as: sent.as });
  // One entry per call the admin runs. An impersonated call is recorded by the identity
  // middleware (impersonate_execute, with both ids); a bypassed one here, the UI's own call.
  if (sent.as === "")
    await view.services.record({
      action: "api_explorer_execute",
      adminId: view.admin.id,
      method: sent.method,
      path: sent.path,
      detail: { status: response.status },
    });
  const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join("\n");
  const raw = await response.text();
  let body = raw;
  try {
    body = JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    // Not JSON: shown as sent.
  }
  return explorerPage(view, sent, { status: response.status, headers, body: body.slice(0, 200_000) });
}
