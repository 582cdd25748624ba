/**
 * The storage contract every backend implements (local disk, memory, S3-compatible, and later
 * Cloudflare R2's native binding): keyed objects written from a Web stream, read back as a Web
 * stream (whole or one byte range), and optionally presigned URLs for direct-to-bucket transfers.
 * Web-standard types only, so an adapter can live on Node or on Workers.
 */

/** What a backend knows about one stored object. */
export interface StoredObjectInfo {
  key: string;
  /** Size in bytes. */
  size: number;
  contentType?: string;
  /** An opaque validator of the object's content (quoted or not, as the backend gives it). */
  etag?: string;
  lastModified?: Date;
}

/** One stored object being read: its facts and its bytes (the requested range only, when one was asked). */
export interface StoredObject extends StoredObjectInfo {
  body: ReadableStream<Uint8Array>;
}

/** An inclusive byte range, as HTTP `Range` names it. */
export interface ByteRange {
  start: number;
  end: number;
}

/** How an object is written. */
export interface PutOptions {
  contentType?: string;
  /** Aborts the write; the backend leaves no object (nor a partial one) behind. */
  signal?: AbortSignal;
}

/** A presigned request: the method, URL and headers a client sends straight to the backend. */
export interface PresignedRequest {
  method: "GET" | "PUT";
  url: string;
  /** Headers the client must send exactly as given (they are part of the signature). */
  headers: Record<string, string>;
  /** When the URL stops working. */
  expiresAt: Date;
}

/** What to presign. */
export interface PresignOptions {
  method: "GET" | "PUT";
  /** Seconds the URL stays valid (1 to 604800). */
  expiresIn: number;
  /** PUT only: the content type the upload must declare. */
  contentType?: string;
  /** GET only: the `Content-Disposition` the backend answers with. */
  responseContentDisposition?: string;
}

/**
 * A storage backend. `put` either stores the whole object or, when the body fails or the signal
 * aborts, stores nothing (no partial object under the key). A backend that cannot be reached throws
 * `StorageUnavailableError`.
 */
export interface StorageAdapter {
  /** `"local"`, `"memory"`, `"s3"`, `"r2"`, ... */
  readonly type: string;
  put(key: string, body: ReadableStream<Uint8Array> | Uint8Array, options?: PutOptions): Promise<StoredObjectInfo>;
  /** The object (or one byte range of it), or null when there is none under the key. */
  get(key: string, options?: { range?: ByteRange }): Promise<StoredObject | null>;
  head(key: string): Promise<StoredObjectInfo | null>;
  /** Removes the object; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Direct-to-backend URLs; absent on backends a client cannot reach by itself (memory, local). */
  presign?(key: string, options: PresignOptions): Promise<PresignedRequest>;
  /** Local backends served by the app itself: the URL prefix `createCovara` mounts them at. */
  readonly baseUrl?: string;
}
