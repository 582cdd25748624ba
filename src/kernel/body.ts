/**
 * Reading a JSON request body safely: the content type is checked, the size is bounded while
 * streaming (a missing or lying Content-Length cannot make us buffer more), and malformed JSON is
 * a 400 rather than an exception.
 */
import type { Context } from "hono";
import { ProblemError } from "./errors";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

function tooLarge(maxBytes: number): ProblemError {
  return new ProblemError("payload-too-large", {
    detail: `The request body exceeds ${maxBytes} bytes`,
    extensions: { maxBytes },
  });
}

/** Reads a body as UTF-8 text, refusing (413) more than `maxBytes` whatever Content-Length says: the limit is counted while streaming. */
export async function readBoundedText(request: Pick<Request, "headers" | "body">, maxBytes: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ProblemError("invalid-json", { detail: "The request body is not valid UTF-8" });
  }
}

function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const type = value.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/** Reads the body as JSON of any shape (415 for other content types, 413 when too large). */
export async function readJsonBody(c: Context, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  if (!isJsonContentType(c.req.header("content-type"))) {
    throw new ProblemError("unsupported-media-type", {
      detail: "The request body must be application/json",
      extensions: { accepted: ["application/json"] },
    });
  }
  const text = await readBoundedText(c.req.raw, maxBytes);
  if (text.trim() === "") throw new ProblemError("invalid-json", { detail: "The request body is empty" });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ProblemError("invalid-json", {
      detail: `The request body is not valid JSON: ${(error as Error).message.slice(0, 200)}`,
    });
  }
}

/** Reads the body as a JSON object (arrays and scalars are a validation error). */
export async function readJsonObject(c: Context, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const body = await readJsonBody(c, maxBytes);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ProblemError("validation-error", { detail: "The request body must be a JSON object" });
  }
  return body as Record<string, unknown>;
}
