/** The one request helper of the auth strategies (their calls to useAuth's router). */
import { joinUrl } from "../query-string";
import type { FetchLike } from "../transport";

export interface AuthRouterOptions {
  baseUrl?: string;
  /** Where useAuth's router is mounted. Default "/api/auth". */
  authPath?: string;
  fetch?: FetchLike;
}

/** Sends `method path` to the auth router with cookies, a JSON body and the given headers. */
export function callAuthRouter(
  options: AuthRouterOptions,
  method: string,
  path: string,
  body?: object,
  headers = new Headers(),
): Promise<Response> {
  headers.set("accept", "application/json");
  if (body) headers.set("content-type", "application/json");
  const doFetch = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
  return doFetch(joinUrl(options.baseUrl ?? "", (options.authPath ?? "/api/auth") + path), {
    method,
    headers,
    credentials: "include",
    body: body ? JSON.stringify(body) : undefined,
  });
}
