/**
 * `client.files(path)`: uploads to a covara file resource with progress, and download URLs.
 * In browsers (and React Native, which has it too) the upload goes through XMLHttpRequest, the
 * one API that reports upload progress everywhere; elsewhere through `fetch`, with progress
 * reported at the start and the end. No DOM types are required beyond what the runtime offers.
 */
import { CovaraClientError, errorFromResponse, toClientError } from "./errors";
import type { Transport } from "./transport";

/** Upload progress: bytes sent of the total (the multipart body's size). */
export interface UploadProgress {
  loaded: number;
  total: number;
  /** 0 to 100. */
  percent: number;
}

/** A file as React Native pickers describe it (`uri`, `name`, `type`). */
export interface NativeFile {
  uri: string;
  name: string;
  type?: string;
}

export type UploadableFile = Blob | NativeFile;

export interface UploadOptions {
  /** The row's other fields, sent as the form's `data` field. */
  data?: Record<string, unknown>;
  /** The file name (default: the File's own name, or "file"). */
  fileName?: string;
  onProgress?(progress: UploadProgress): void;
  signal?: AbortSignal;
}

interface RawResponse {
  status: number;
  body: string;
  contentType: string;
}

/** The minimal XMLHttpRequest surface used here (present in browsers and React Native). */
interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: unknown): void;
  abort(): void;
  withCredentials: boolean;
  status: number;
  responseText: string;
  getResponseHeader(name: string): string | null;
  upload: { onprogress: ((event: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

function xhrConstructor(): (new () => XhrLike) | undefined {
  return (globalThis as { XMLHttpRequest?: new () => XhrLike }).XMLHttpRequest;
}

function fileNameOf(file: UploadableFile, given: string | undefined): string {
  if (given) return given;
  if ("uri" in file) return file.name;
  return "name" in file && typeof file.name === "string" && file.name !== "" ? file.name : "file";
}

/** FormData as React Native extends it: `append` also takes a `{ uri, name, type }` file. */
interface FormDataLike {
  append(name: string, value: unknown, fileName?: string): void;
}

function parse(raw: RawResponse): unknown {
  if (!raw.body) return undefined;
  if (/json/i.test(raw.contentType)) {
    try {
      return JSON.parse(raw.body);
    } catch {
      throw new CovaraClientError(raw.status, { code: "INVALID_RESPONSE", detail: "The server sent malformed JSON" });
    }
  }
  return raw.body;
}

/** Uploads and download URLs of one file resource. */
export class FilesClient<Row = Record<string, unknown>> {
  constructor(
    private readonly transport: Transport,
    readonly path: string,
  ) {}

  /** The URL of a file's content (`GET <path>/<id>/download`), for links, `<img>` or React Native's Linking. */
  downloadUrl(id: string | number, options: { inline?: boolean } = {}): string {
    return this.transport.url(
      `${this.path.replace(/\/$/, "")}/${encodeURIComponent(String(id))}/download`,
      options.inline ? { disposition: "inline" } : undefined,
    );
  }

  /** `downloadUrl`, under the name React Native code looks for. */
  getDownloadUrl(id: string | number): string {
    return this.downloadUrl(id);
  }

  /** Uploads one file; resolves to the created row, rejects with a CovaraClientError. */
  async upload(file: UploadableFile, options: UploadOptions = {}): Promise<Row> {
    const form = new FormData();
    if (options.data) form.append("data", JSON.stringify(options.data));
    const name = fileNameOf(file, options.fileName);
    // React Native's FormData takes the { uri, name, type } object itself; browsers take the Blob.
    const target: FormDataLike = form;
    target.append("file", file, name);
    const send = () => (xhrConstructor() ? this.sendXhr(form, options) : this.sendFetch(form, options));
    try {
      let raw = await send();
      if (raw.status === 401 && (await this.transport.refreshAuth())) raw = await send();
      if (raw.status === 401) this.transport.options.auth?.onUnauthorized?.();
      const data = parse(raw);
      if (raw.status < 200 || raw.status >= 300) throw errorFromResponse(raw.status, data);
      return data as Row;
    } catch (error) {
      throw toClientError(error);
    }
  }

  private async headers(): Promise<Headers> {
    const { headers: base, auth } = this.transport.options;
    const headers = new Headers(typeof base === "function" ? base() : base);
    headers.set("accept", "application/json");
    // The browser sets the multipart Content-Type with its boundary.
    headers.delete("content-type");
    await auth?.authorize(headers);
    return headers;
  }

  private credentials(): RequestCredentials {
    const { credentials, auth } = this.transport.options;
    return credentials ?? auth?.credentials ?? "same-origin";
  }

  private async sendXhr(form: FormData, options: UploadOptions): Promise<RawResponse> {
    const Xhr = xhrConstructor()!;
    const headers = await this.headers();
    return new Promise<RawResponse>((resolve, reject) => {
      const xhr = new Xhr();
      xhr.open("POST", this.transport.url(this.path));
      headers.forEach((value, name) => {
        xhr.setRequestHeader(name, value);
      });
      xhr.withCredentials = this.credentials() === "include";
      xhr.upload.onprogress = (event) => {
        if (!event.lengthComputable) return;
        options.onProgress?.({
          loaded: event.loaded,
          total: event.total,
          percent: event.total === 0 ? 100 : Math.round((event.loaded / event.total) * 100),
        });
      };
      const onAbort = () => xhr.abort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      const done = () => options.signal?.removeEventListener("abort", onAbort);
      xhr.onload = () => {
        done();
        resolve({
          status: xhr.status,
          body: xhr.responseText,
          contentType: xhr.getResponseHeader("content-type") ?? "",
        });
      };
      xhr.onerror = () => {
        done();
        reject(new CovaraClientError(0, { code: "NETWORK_ERROR", detail: "The upload failed (network error)" }));
      };
      xhr.onabort = () => {
        done();
        reject(new CovaraClientError(0, { code: "ABORTED", detail: "The upload was aborted" }));
      };
      if (options.signal?.aborted) return xhr.abort();
      xhr.send(form);
    });
  }

  private async sendFetch(form: FormData, options: UploadOptions): Promise<RawResponse> {
    const doFetch = this.transport.options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
    const headers = await this.headers();
    options.onProgress?.({ loaded: 0, total: 0, percent: 0 });
    const init: RequestInit = { method: "POST", body: form, headers, credentials: this.credentials() };
    if (options.signal) init.signal = options.signal;
    const res = await doFetch(this.transport.url(this.path), init);
    const body = await res.text();
    options.onProgress?.({ loaded: 1, total: 1, percent: 100 });
    return { status: res.status, body, contentType: res.headers.get("content-type") ?? "" };
  }
}
