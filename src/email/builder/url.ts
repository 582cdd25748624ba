/** The one check for a URL an email links to or loads: absolute http(s), nothing else. */
import { invalidEmail } from "../problems";

/** Returns `url` when it is an absolute http: or https: URL; refuses `javascript:`, `data:`, relative URLs and the rest. */
export function requireHttpUrl(url: unknown, field: string): string {
  if (typeof url !== "string" || url.trim() === "") throw invalidEmail(field, `${field} needs a URL`);
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw invalidEmail(field, `${field} must be an absolute http(s) URL, got ${JSON.stringify(url.slice(0, 100))}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalidEmail(field, `${field} must be an http(s) URL; ${parsed.protocol} URLs are refused`);
  }
  return parsed.href;
}

/** Whether `url` passes `requireHttpUrl`. */
export function isHttpUrl(url: string): boolean {
  try {
    requireHttpUrl(url, "url");
    return true;
  } catch {
    return false;
  }
}
