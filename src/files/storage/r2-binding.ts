/**
 * Storage on Cloudflare R2 through a Worker's native bucket binding (`env.BUCKET`), no S3 keys or
 * signing. R2's `put` needs a body of known length, so a streamed body is read whole first; that
 * also makes a failed or aborted write store nothing. Ranges map to R2's `{ offset, length }`.
 * No presigned URLs: a binding has no URL of its own (use the S3-compatible adapter for those).
 */
import { checkStorageKey, StorageUnavailableError } from "./errors";
import { collect } from "./streams";
import type { ByteRange, PutOptions, StorageAdapter, StoredObject, StoredObjectInfo } from "./types";

/** The facts of an R2 object covara reads (`R2Object`). */
export interface R2ObjectLike {
  key: string;
  size: number;
  httpEtag?: string;
  etag?: string;
  uploaded?: Date;
  httpMetadata?: { contentType?: string };
}

/** An R2 object with its body (`R2ObjectBody`). */
export interface R2ObjectBodyLike extends R2ObjectLike {
  body: ReadableStream<Uint8Array>;
}

/** The slice of the R2 bucket binding (`R2Bucket`) the adapter uses. */
export interface R2BucketLike {
  put(
    key: string,
    value: Uint8Array,
    options?: { httpMetadata?: { contentType?: string } },
  ): Promise<R2ObjectLike | null>;
  get(
    key: string,
    options?: { range?: { offset: number; length: number } },
  ): Promise<R2ObjectBodyLike | R2ObjectLike | null>;
  head(key: string): Promise<R2ObjectLike | null>;
  delete(key: string): Promise<void>;
}

/** Creates a StorageAdapter over an R2 bucket binding. */
export function createR2BindingStorage(bucket: R2BucketLike): StorageAdapter {
  return {
    type: "r2",
    async put(
      key: string,
      body: ReadableStream<Uint8Array> | Uint8Array,
      options: PutOptions = {},
    ): Promise<StoredObjectInfo> {
      checkStorageKey(key);
      const bytes = await collect(body, options.signal);
      options.signal?.throwIfAborted();
      const stored = await reach(() =>
        bucket.put(
          key,
          bytes,
          options.contentType === undefined ? {} : { httpMetadata: { contentType: options.contentType } },
        ),
      );
      if (stored === null) throw new StorageUnavailableError(`covara: R2 refused to store '${key}'`);
      return infoOf(stored);
    },

    async get(key: string, options: { range?: ByteRange } = {}): Promise<StoredObject | null> {
      checkStorageKey(key);
      const range = options.range;
      const found = await reach(() =>
        bucket.get(
          key,
          range === undefined ? {} : { range: { offset: range.start, length: range.end - range.start + 1 } },
        ),
      );
      if (found === null || !("body" in found)) return null;
      return { ...infoOf(found), body: found.body };
    },

    async head(key: string) {
      checkStorageKey(key);
      const found = await reach(() => bucket.head(key));
      return found === null ? null : infoOf(found);
    },

    async delete(key: string) {
      checkStorageKey(key);
      await reach(() => bucket.delete(key));
    },
  };
}

function infoOf(object: R2ObjectLike): StoredObjectInfo {
  const info: StoredObjectInfo = { key: object.key, size: object.size };
  const etag = object.httpEtag ?? object.etag;
  if (etag !== undefined) info.etag = etag;
  if (object.uploaded !== undefined) info.lastModified = new Date(object.uploaded);
  const contentType = object.httpMetadata?.contentType;
  if (contentType !== undefined) info.contentType = contentType;
  return info;
}

/** Runs one bucket call; a failing binding becomes `StorageUnavailableError`. */
async function reach<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new StorageUnavailableError("covara: R2 storage failed", { cause: error });
  }
}
