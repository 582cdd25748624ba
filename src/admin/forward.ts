/**
 * The admin UI's calls to the app's own routes: with the admin's credentials and either the scope
 * bypass marker or an impersonation, so hooks, validation, realtime and the audit see exactly what
 * a direct API call would.
 */
import { createForwarder, type ForwardInit } from "../kernel/forward";
import { ADMIN_BYPASS_HEADER, IMPERSONATE_HEADER, markUiRequest } from "./bypass";
import type { AdminView } from "./view";

/**
 * Calls `path` as the admin (bypassing scopes) or, with `as`, as that user under their scope. The
 * call is marked as the UI's own: its page audits the action once (bypass.ts).
 */
export async function forwardAsAdmin(
  view: AdminView,
  method: string,
  path: string,
  init: ForwardInit & { as?: string } = {},
): Promise<Response> {
  const { as, ...rest } = init;
  const marker: Record<string, string> =
    as !== undefined && as !== "" ? { [IMPERSONATE_HEADER]: as } : { [ADMIN_BYPASS_HEADER]: "1" };
  return createForwarder(view.services.app, view.c)(method, path, {
    ...rest,
    headers: { ...rest.headers, ...marker },
    mark: markUiRequest,
  });
}

/** A response's JSON body, or its text when it is not JSON. */
export async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The human message of a problem+json body (its `detail`, else `title`), or a fallback. */
export function problemMessage(body: unknown, fallback: string): string {
  if (typeof body === "object" && body !== null) {
    const [detail, title, errors] = ["detail", "title", "errors"].map((key) => Reflect.get(body, key));
    const base = typeof detail === "string" ? detail : typeof title === "string" ? title : fallback;
    return Array.isArray(errors) && errors.length > 0 ? `${base}: ${JSON.stringify(errors)}` : base;
  }
  return fallback;
}
