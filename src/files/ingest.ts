/**
 * One file's bytes into storage, streamed: the first bytes are held back until the type check
 * (magic bytes against the declared type) has passed, so a refused file is never written; the
 * size limit is counted while streaming and cuts the body at the limit; the SHA-256 is computed
 * on the way. Either the whole object is stored or, whatever failed, none.
 */
import { createHash } from "node:crypto";
import { ProblemError } from "../kernel/errors";
import { checkType, SNIFF_BYTES } from "./sniff";
import { StorageUnavailableError } from "./storage/errors";
import { concat } from "./storage/streams";
import type { StorageAdapter } from "./storage/types";
import "./problems";

export interface IngestOptions {
  storage: StorageAdapter;
  key: string;
  /** The type the client declared (Content-Type of the part or the request). */
  declaredType: string | undefined;
  /** The (safe) file name, whose extension is checked too. */
  fileName: string;
  maxFileSize: number;
  allowedMimeTypes: readonly string[] | undefined;
}

/** What was stored. */
export interface IngestedFile {
  key: string;
  size: number;
  contentType: string;
  /** Lowercase hex SHA-256 of the content. */
  sha256: string;
}

export function tooLarge(maxFileSize: number): ProblemError {
  // The rest of the body is never read: the connection closes after the answer rather than
  // being drained for the next request.
  return new ProblemError("file-too-large", {
    detail: `The file exceeds ${maxFileSize} bytes`,
    extensions: { maxFileSize },
    headers: { connection: "close" },
  });
}

/** A body read failure that is not ours: the client went away or sent less than it announced. */
function incomplete(cause: unknown): ProblemError {
  return cause instanceof ProblemError
    ? cause
    : new ProblemError("upload-incomplete", { detail: "The upload ended before the file was complete", cause });
}

export function storageProblem(error: unknown): ProblemError {
  return new ProblemError("storage-unavailable", {
    detail: "The file storage cannot be reached; nothing was stored",
    headers: { "retry-after": "5" },
    cause: error,
  });
}

/** Reads until `SNIFF_BYTES` are held (or the body ends); the size limit applies already. */
async function readHead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxFileSize: number,
): Promise<{ chunks: Uint8Array[]; size: number; ended: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < SNIFF_BYTES) {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch (error) {
      throw incomplete(error);
    }
    if (result.done) return { chunks, size, ended: true };
    chunks.push(result.value);
    size += result.value.byteLength;
    if (size > maxFileSize) throw tooLarge(maxFileSize);
  }
  return { chunks, size, ended: false };
}

/** Streams `body` into storage under `options.key`; a ProblemError when refused or failed (nothing stored then). */
export async function ingest(body: ReadableStream<Uint8Array>, options: IngestOptions): Promise<IngestedFile> {
  const { storage, key, maxFileSize } = options;
  const reader = body.getReader();
  const head = await readHead(reader, maxFileSize).catch(async (error: unknown) => {
    await reader.cancel(error).catch(() => {});
    throw error;
  });
  if (head.ended && head.size === 0) throw new ProblemError("empty-file", { detail: "The file is empty (zero bytes)" });
  const verdict = checkType(
    options.declaredType,
    concat(head.chunks, head.size).subarray(0, SNIFF_BYTES),
    options.fileName,
    options.allowedMimeTypes,
  );
  if (!verdict.ok) {
    await reader.cancel().catch(() => {});
    throw new ProblemError(verdict.problem, { detail: verdict.detail });
  }

  const hash = createHash("sha256");
  let size = 0;
  let failure: ProblemError | undefined;
  const queued = [...head.chunks];
  let ended = head.ended;
  const counted = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk = queued.shift();
        if (!chunk && !ended) {
          try {
            const result = await reader.read();
            if (result.done) ended = true;
            else chunk = result.value;
          } catch (error) {
            failure = incomplete(error);
            controller.error(failure);
            return;
          }
        }
        if (!chunk) return controller.close();
        size += chunk.byteLength;
        if (size > maxFileSize) {
          // The request is cut here: the rest of the body is never read.
          failure = tooLarge(maxFileSize);
          await reader.cancel(failure).catch(() => {});
          controller.error(failure);
          return;
        }
        hash.update(chunk);
        controller.enqueue(chunk);
      },
      async cancel(reason) {
        await reader.cancel(reason).catch(() => {});
      },
    },
    // Up to 1 MiB read ahead of storage keeps the socket flowing; the count runs as chunks are
    // read, so the request is still cut within one chunk of the limit.
    new ByteLengthQueuingStrategy({ highWaterMark: 1024 * 1024 }),
  );

  try {
    await storage.put(key, counted, { contentType: verdict.type });
  } catch (error) {
    // Adapters store nothing on failure; the delete covers a backend that half-wrote anyway.
    await storage.delete(key).catch(() => {});
    if (failure) throw failure;
    if (error instanceof ProblemError) throw error;
    if (error instanceof StorageUnavailableError) throw storageProblem(error);
    throw incomplete(error);
  }
  return { key, size, contentType: verdict.type, sha256: hash.digest("hex") };
}
