/**
 * The response that sends a stored file: one byte range (206) or all of it, conditional requests
 * (ETag / If-None-Match → 304, If-Range), `Content-Disposition` with a safe name, and headers that
 * keep a browser from running what it receives (`nosniff`, a sandboxing CSP, attachment for any
 * type that could hold active content).
 */
import { ProblemError } from "../kernel/errors";
import { etagMatches } from "../kernel/etag";
import { contentDisposition } from "./disposition";
import { storageProblem } from "./ingest";
import { InvalidStorageKeyError, StorageUnavailableError } from "./storage/errors";
import type { ByteRange, StorageAdapter } from "./storage/types";
import "./problems";

/** What the response needs to know about the file. */
export interface FileToSend {
  key: string;
  /** Size in bytes, when recorded (otherwise the backend is asked). */
  size?: number;
  /** The stored content type. */
  contentType?: string;
  /** The client's file name, for Content-Disposition. */
  name: string;
  /** A strong validator of the content (the recorded SHA-256), when there is one. */
  sha256?: string;
  /** Whether shared caches may keep it (public files). */
  isPublic: boolean;
}

/** Types a browser shows without running anything: these may be sent inline on request. */
const INLINE_SAFE =
  /^(image\/(png|jpeg|gif|webp|avif|bmp)|application\/pdf|text\/plain|audio\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+)$/;

/** One `bytes=` range against `size`: the range, null for "send it all", or "unsatisfiable". */
export function parseRange(header: string | undefined, size: number): ByteRange | null | "unsatisfiable" {
  if (!header) return null;
  const match = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header.trim());
  // Several ranges, or another unit: the whole file is a valid answer (RFC 9110 §14.2).
  if (!match) return null;
  const [, first, last] = match;
  if (first === "" && last === "") return null;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return "unsatisfiable";
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return null;
  return { start, end };
}

/** The response for a GET (or HEAD) of `file`. */
export async function sendFile(request: Request, storage: StorageAdapter, file: FileToSend): Promise<Response> {
  try {
    return await respond(request, storage, file);
  } catch (error) {
    if (error instanceof StorageUnavailableError) throw storageProblem(error);
    // A stored key the backend refuses (a symlink out of the local directory): nothing to send.
    if (error instanceof InvalidStorageKeyError) throw missing();
    throw error;
  }
}

async function respond(request: Request, storage: StorageAdapter, file: FileToSend): Promise<Response> {
  let size = file.size;
  let storedEtag: string | undefined;
  if (size === undefined || !file.sha256) {
    const info = await storage.head(file.key);
    if (!info) throw missing();
    size = info.size;
    storedEtag = info.etag;
  }
  const etag = file.sha256 ? `"sha256-${file.sha256}"` : storedEtag;
  const contentType = file.contentType ?? "application/octet-stream";
  const inline = new URL(request.url).searchParams.get("disposition") === "inline" && INLINE_SAFE.test(contentType);
  const headers = new Headers({
    "content-type": contentType,
    "content-disposition": contentDisposition(inline ? "inline" : "attachment", file.name),
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "accept-ranges": "bytes",
    "cache-control": file.isPublic ? "public, max-age=0, must-revalidate" : "private, max-age=0, must-revalidate",
  });
  if (etag) headers.set("etag", etag);

  const ifNoneMatch = request.headers.get("if-none-match");
  if (etag && ifNoneMatch !== null && etagMatches(ifNoneMatch, etag)) {
    return new Response(null, { status: 304, headers });
  }
  const ifRange = request.headers.get("if-range");
  const rangeHeader =
    ifRange !== null && (!etag || ifRange.trim() !== etag) ? undefined : (request.headers.get("range") ?? undefined);
  const range = parseRange(rangeHeader, size);
  if (range === "unsatisfiable") {
    throw new ProblemError("range-not-satisfiable", {
      detail: `The file has ${size} bytes`,
      headers: { "content-range": `bytes */${size}` },
      extensions: { size },
    });
  }
  const object = await storage.get(file.key, range ? { range } : {});
  if (!object) throw missing();
  const head = request.method === "HEAD";
  if (head) await object.body.cancel();
  if (range) {
    headers.set("content-range", `bytes ${range.start}-${range.end}/${size}`);
    headers.set("content-length", String(range.end - range.start + 1));
    return new Response(head ? null : object.body, { status: 206, headers });
  }
  headers.set("content-length", String(size));
  return new Response(head ? null : object.body, { status: 200, headers });
}

function missing(): ProblemError {
  return new ProblemError("file-missing", { detail: "The file's row exists but its content is not in storage" });
}
