/** Reading the provider's form posts: x-www-form-urlencoded only, bounded in size, no repeated parameters. */
import type { Context } from "hono";
import { readBoundedText } from "../kernel/body";
import { OAuthError } from "./oauth-error";

/** OAuth requests are small; anything bigger than this is refused with a 413 before it is buffered. */
export const MAX_FORM_BYTES = 64 * 1024;

/** True when the request declares a form body. */
export function isFormRequest(c: Context): boolean {
  return (c.req.header("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
}

/** Reads an x-www-form-urlencoded body, refusing other types and repeated parameters. */
export async function readForm(c: Context): Promise<URLSearchParams> {
  if (!isFormRequest(c)) throw new OAuthError("invalid_request", "The body must be application/x-www-form-urlencoded");
  const form = new URLSearchParams(await readBoundedText(c.req.raw, MAX_FORM_BYTES));
  for (const name of new Set(form.keys())) {
    if (form.getAll(name).length > 1) throw new OAuthError("invalid_request", `The ${name} parameter is repeated`);
  }
  return form;
}
