/**
 * In-memory storage: for tests and single-process demos. Objects live in a Map; a write becomes
 * visible only once its whole body was read, so a failed or aborted write leaves nothing behind.
 */
import { checkStorageKey } from "./errors";
import { collect, hex, streamOf } from "./streams";
import type { ByteRange, PutOptions, StorageAdapter, StoredObject, StoredObjectInfo } from "./types";

interface Entry {
  bytes: Uint8Array;
  contentType?: string;
  etag: string;
  lastModified: Date;
}

/** A memory adapter; `keys()` lists the stored keys (tests check for orphans with it). */
export interface MemoryStorage extends StorageAdapter {
  readonly type: "memory";
  keys(): string[];
}

export function createMemoryStorage(): MemoryStorage {
  const objects = new Map<string, Entry>();
  const info = (key: string, entry: Entry): StoredObjectInfo => ({
    key,
    size: entry.bytes.byteLength,
    etag: entry.etag,
    lastModified: entry.lastModified,
    ...(entry.contentType === undefined ? {} : { contentType: entry.contentType }),
  });
  return {
    type: "memory",
    keys: () => [...objects.keys()],
    async put(key: string, body: ReadableStream<Uint8Array> | Uint8Array, options: PutOptions = {}) {
      checkStorageKey(key);
      const bytes = await collect(body, options.signal);
      options.signal?.throwIfAborted();
      const digest = await crypto.subtle.digest("SHA-256", bytes);
      const entry: Entry = { bytes, etag: `"${hex(digest).slice(0, 32)}"`, lastModified: new Date() };
      if (options.contentType !== undefined) entry.contentType = options.contentType;
      objects.set(key, entry);
      return info(key, entry);
    },
    async get(key: string, options: { range?: ByteRange } = {}): Promise<StoredObject | null> {
      const entry = objects.get(checkStorageKey(key));
      if (!entry) return null;
      const bytes = options.range ? entry.bytes.subarray(options.range.start, options.range.end + 1) : entry.bytes;
      return { ...info(key, entry), body: streamOf(bytes) };
    },
    async head(key: string) {
      const entry = objects.get(checkStorageKey(key));
      return entry ? info(key, entry) : null;
    },
    async delete(key: string) {
      objects.delete(checkStorageKey(key));
    },
  };
}
