/**
 * Head defaults on covara's Node responses (kernel/response-headers.ts: `deferHeadDefaults`):
 * headers a middleware wants on every response, added here as the head is written, each only
 * when the response did not set that header itself (by `setHeader` or in `writeHead`'s headers).
 */
import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { HeadDefaults } from "../kernel/response-headers";

type WriteHeadHeaders = OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;

/** Whether `headers` (an object, `[name, value]` pairs or a flat name/value list) names `name` (lower case). */
function names(headers: WriteHeadHeaders, name: string): boolean {
  if (headers === undefined) return false;
  if (Array.isArray(headers)) {
    if (Array.isArray(headers[0])) return headers.some((pair) => String((pair as unknown[])[0]).toLowerCase() === name);
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === name) return true;
    return false;
  }
  if (name in headers) return true;
  for (const key in headers) if (key.length === name.length && key.toLowerCase() === name) return true;
  return false;
}

/**
 * The headers to write: those given plus each default that neither they nor `response` (by
 * `setHeader`) have. An object comes back as a new object (the given one may be the app's own);
 * with a list, the missing defaults are set on `response` instead and the list is kept.
 */
export function withHeadDefaults(
  response: ServerResponse,
  defaults: HeadDefaults,
  headers: WriteHeadHeaders,
): WriteHeadHeaders {
  if (headers !== undefined && !Array.isArray(headers)) {
    const merged: OutgoingHttpHeaders = {};
    for (const [name, value] of defaults) if (!names(headers, name) && !response.hasHeader(name)) merged[name] = value;
    return Object.assign(merged, headers);
  }
  for (const [name, value] of defaults)
    if (!names(headers, name) && !response.hasHeader(name)) response.setHeader(name, value);
  return headers;
}
