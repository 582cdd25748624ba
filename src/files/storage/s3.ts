/**
 * S3-compatible storage over `fetch` and SigV4 (sigv4.ts): AWS S3, Cloudflare R2's S3 API, MinIO
 * and the like, path-style (`endpoint/bucket/key`) or virtual-host style (`bucket.endpoint/key`).
 *
 * A stream is written without buffering it whole: bytes are gathered into parts of `partSize`;
 * a body that ends within the first part goes up in one PutObject, a longer one as a multipart
 * upload (aborted, so nothing remains, when the body fails or the signal aborts). Memory per
 * upload is bounded by one part.
 */
import { StorageUnavailableError, checkStorageKey } from "./errors";
import { EMPTY_SHA256, presignUrl, sha256Hex, signRequest, uriEncode, type SigV4Credentials } from "./sigv4";
import { concat } from "./streams";
import type {
  ByteRange,
  PresignOptions,
  PresignedRequest,
  PutOptions,
  StorageAdapter,
  StoredObject,
  StoredObjectInfo,
} from "./types";
import { tracedFetch } from "../../kernel/trace-context";

export interface S3StorageOptions {
  bucket: string;
  /** @default "us-east-1" (R2: "auto") */
  region?: string;
  /** The service endpoint; default AWS's regional one. */
  endpoint?: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /**
   * Address the bucket in the path (`endpoint/bucket/key`) rather than the host name.
   * @default false for AWS, true when an `endpoint` is given
   */
  forcePathStyle?: boolean;
  /**
   * Bytes per part of a multipart upload (S3's minimum is 5 MiB).
   * @default 8 MiB
   */
  partSize?: number;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

const MIN_PART = 5 * 1024 * 1024;

export function createS3Storage(options: S3StorageOptions, type = "s3"): StorageAdapter {
  const region = options.region ?? "us-east-1";
  const scope = { region, service: "s3" };
  const credentials: SigV4Credentials = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey };
  if (options.sessionToken) credentials.sessionToken = options.sessionToken;
  const endpoint = new URL(options.endpoint ?? `https://s3.${region}.amazonaws.com`);
  const pathStyle = options.forcePathStyle ?? options.endpoint !== undefined;
  const partSize = Math.max(options.partSize ?? 8 * 1024 * 1024, MIN_PART);
  const doFetch = options.fetch ?? tracedFetch;

  function objectUrl(key: string, query: Record<string, string> = {}): URL {
    const path = uriEncode(checkStorageKey(key), true);
    const url = new URL(endpoint);
    const basePath = endpoint.pathname.replace(/\/+$/, "");
    if (pathStyle) url.pathname = `${basePath}/${uriEncode(options.bucket)}/${path}`;
    else {
      url.hostname = `${options.bucket}.${endpoint.hostname}`;
      url.pathname = `${basePath}/${path}`;
    }
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url;
  }

  async function send(
    method: string,
    url: URL,
    init: { headers?: Record<string, string>; body?: Uint8Array | string; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const body =
      typeof init.body === "string"
        ? new TextEncoder().encode(init.body)
        : init.body === undefined
          ? undefined
          : concat([init.body]);
    const payloadHash = body ? await sha256Hex(body) : EMPTY_SHA256;
    const { headers } = await signRequest({
      method,
      url,
      headers: init.headers ?? {},
      payloadHash,
      credentials,
      scope,
    });
    // `host` is the URL's; fetch sets it and refuses it as a header.
    delete headers.host;
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers,
        ...(body ? { body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new StorageUnavailableError(`covara: ${type} storage at ${endpoint.host} is unreachable`, { cause: error });
    }
    if (response.status >= 500) {
      await response.body?.cancel();
      throw new StorageUnavailableError(`covara: ${type} storage answered ${response.status} to ${method}`);
    }
    return response;
  }

  async function failure(response: Response, action: string): Promise<StorageUnavailableError> {
    const text = await response.text().catch(() => "");
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? String(response.status);
    return new StorageUnavailableError(`covara: ${type} storage refused ${action}: ${code}`);
  }

  function infoOf(key: string, response: Response, size: number): StoredObjectInfo {
    const info: StoredObjectInfo = { key, size };
    const contentType = response.headers.get("content-type");
    const etag = response.headers.get("etag");
    const modified = response.headers.get("last-modified");
    if (contentType) info.contentType = contentType;
    if (etag) info.etag = etag;
    if (modified) info.lastModified = new Date(modified);
    return info;
  }

  async function putWhole(key: string, bytes: Uint8Array, putOptions: PutOptions): Promise<StoredObjectInfo> {
    const headers: Record<string, string> = {};
    if (putOptions.contentType) headers["content-type"] = putOptions.contentType;
    const response = await send("PUT", objectUrl(key), {
      headers,
      body: bytes,
      ...(putOptions.signal ? { signal: putOptions.signal } : {}),
    });
    if (!response.ok) throw await failure(response, "PutObject");
    await response.body?.cancel();
    const info: StoredObjectInfo = { key, size: bytes.byteLength };
    const etag = response.headers.get("etag");
    if (etag) info.etag = etag;
    if (putOptions.contentType) info.contentType = putOptions.contentType;
    return info;
  }

  async function putMultipart(
    key: string,
    first: Uint8Array,
    reader: ReadableStreamDefaultReader<Uint8Array>,
    putOptions: PutOptions,
  ) {
    const signal = putOptions.signal;
    const headers: Record<string, string> = {};
    if (putOptions.contentType) headers["content-type"] = putOptions.contentType;
    const created = await send("POST", objectUrl(key, { uploads: "" }), { headers, ...(signal ? { signal } : {}) });
    if (!created.ok) throw await failure(created, "CreateMultipartUpload");
    const uploadId = /<UploadId>([^<]*)<\/UploadId>/.exec(await created.text())?.[1];
    if (!uploadId) throw new StorageUnavailableError(`covara: ${type} storage gave no UploadId`);
    const etags: string[] = [];
    let size = 0;
    try {
      let part: Uint8Array | null = first;
      while (part) {
        const next = await readPart(reader, partSize, signal);
        const number = etags.length + 1;
        const response = await send("PUT", objectUrl(key, { partNumber: String(number), uploadId }), {
          body: part,
          ...(signal ? { signal } : {}),
        });
        if (!response.ok) throw await failure(response, "UploadPart");
        await response.body?.cancel();
        etags.push(response.headers.get("etag") ?? "");
        size += part.byteLength;
        part = next.byteLength > 0 ? next : null;
      }
      const manifest = `<CompleteMultipartUpload>${etags.map((etag, index) => `<Part><PartNumber>${index + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
      const done = await send("POST", objectUrl(key, { uploadId }), {
        body: manifest,
        headers: { "content-type": "application/xml" },
      });
      const text = await done.text();
      // S3 may answer 200 with an <Error> body when completion fails late.
      if (!done.ok || text.includes("<Error>"))
        throw new StorageUnavailableError(`covara: ${type} storage refused CompleteMultipartUpload`);
      const info: StoredObjectInfo = { key, size };
      const etag = /<ETag>([^<]*)<\/ETag>/.exec(text)?.[1];
      if (etag) info.etag = etag.replaceAll("&quot;", '"');
      if (putOptions.contentType) info.contentType = putOptions.contentType;
      return info;
    } catch (error) {
      await reader.cancel(error).catch(() => {});
      // Without the abort the parts would stay in the bucket, billed and invisible.
      await send("DELETE", objectUrl(key, { uploadId })).then(
        (r) => r.body?.cancel(),
        () => {},
      );
      throw error;
    }
  }

  const adapter: StorageAdapter = {
    type,
    async put(key: string, body: ReadableStream<Uint8Array> | Uint8Array, putOptions: PutOptions = {}) {
      checkStorageKey(key);
      if (body instanceof Uint8Array) return putWhole(key, body, putOptions);
      const reader = body.getReader();
      let first: Uint8Array;
      try {
        first = await readPart(reader, partSize, putOptions.signal);
      } catch (error) {
        await reader.cancel(error).catch(() => {});
        throw error;
      }
      if (first.byteLength < partSize) {
        reader.releaseLock();
        return putWhole(key, first, putOptions);
      }
      return putMultipart(key, first, reader, putOptions);
    },
    async get(key: string, getOptions: { range?: ByteRange } = {}): Promise<StoredObject | null> {
      const headers: Record<string, string> = {};
      if (getOptions.range) headers.range = `bytes=${getOptions.range.start}-${getOptions.range.end}`;
      const response = await send("GET", objectUrl(key), { headers });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok || !response.body) throw await failure(response, "GetObject");
      const total = /\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1];
      const info = infoOf(key, response, Number(total ?? response.headers.get("content-length") ?? 0));
      return { ...info, body: response.body };
    },
    async head(key: string) {
      const response = await send("HEAD", objectUrl(key));
      await response.body?.cancel();
      if (response.status === 404) return null;
      if (!response.ok) throw await failure(response, "HeadObject");
      return infoOf(key, response, Number(response.headers.get("content-length") ?? 0));
    },
    async delete(key: string) {
      const response = await send("DELETE", objectUrl(key));
      await response.body?.cancel();
      if (!response.ok && response.status !== 404) throw await failure(response, "DeleteObject");
    },
    async presign(key: string, presign: PresignOptions): Promise<PresignedRequest> {
      const query: Record<string, string> = {};
      if (presign.method === "GET" && presign.responseContentDisposition)
        query["response-content-disposition"] = presign.responseContentDisposition;
      const headers: Record<string, string> = {};
      if (presign.method === "PUT" && presign.contentType) headers["content-type"] = presign.contentType;
      const { url } = await presignUrl({
        method: presign.method,
        url: objectUrl(key, query),
        headers,
        credentials,
        scope,
        expiresIn: presign.expiresIn,
      });
      return {
        method: presign.method,
        url: url.toString(),
        headers,
        expiresAt: new Date(Date.now() + presign.expiresIn * 1000),
      };
    },
  };
  return adapter;
}

/** Reads up to `size` bytes (fewer only at the end of the stream) into one buffer. */
async function readPart(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  size: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  let carry: Uint8Array | undefined = pending.get(reader);
  pending.delete(reader);
  while (length < size) {
    signal?.throwIfAborted();
    let chunk: Uint8Array;
    if (carry) {
      chunk = carry;
      carry = undefined;
    } else {
      const { done, value } = await reader.read();
      if (done) break;
      chunk = value;
    }
    const room = size - length;
    if (chunk.byteLength > room) {
      pending.set(reader, chunk.subarray(room));
      chunk = chunk.subarray(0, room);
    }
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  return concat(chunks, length);
}

/** Bytes read past a part's end, kept for the next part of the same reader. */
const pending = new WeakMap<ReadableStreamDefaultReader<Uint8Array>, Uint8Array>();
