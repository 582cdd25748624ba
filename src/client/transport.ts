/**
 * The HTTP layer: one `fetch` per call with the client's base URL, headers and credentials, a
 * per-request AbortSignal and timeout, problem+json turned into CovaraClientError, and on a 401 one
 * refresh of the auth strategy followed by one retry.
 */
import type { AuthStrategy } from "./auth/strategy";
import { CovaraClientError, errorFromResponse, toClientError } from "./errors";
import { encodeQuery, joinUrl, type QueryValue } from "./query-string";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
  baseUrl: string;
  fetch?: FetchLike;
  /** Sent with every request; a function is called per request. */
  headers?: Record<string, string> | (() => Record<string, string>);
  credentials?: RequestCredentials;
  /** Default per-request timeout (0 or undefined: none). */
  timeoutMs?: number;
  auth?: AuthStrategy;
}

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface TransportResponse<T> {
  status: number;
  headers: Headers;
  data: T;
}

/** A signal that aborts with the caller's signal or after `timeoutMs`; `done` clears the timer. */
export function linkSignal(
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted) controller.abort(signal.reason);
  else signal?.addEventListener("abort", onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (timeoutMs && timeoutMs > 0) {
    timer = setTimeout(() => {
      const reason = new Error(`Request timed out after ${timeoutMs} ms`);
      reason.name = "TimeoutError";
      controller.abort(reason);
    }, timeoutMs);
  }
  return {
    signal: controller.signal,
    done() {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    },
  };
}

/** Clears a response's timeout once its body was read (request()) or the caller is done. */
const releaseTimers = new WeakMap<Response, () => void>();

async function readBody(res: Response): Promise<unknown> {
  if (res.status === 204 || res.status === 304) return undefined;
  const text = await res.text();
  if (!text) return undefined;
  if (/json/i.test(res.headers.get("content-type") ?? "")) {
    try {
      return JSON.parse(text);
    } catch {
      throw new CovaraClientError(res.status, { code: "INVALID_RESPONSE", detail: "The server sent malformed JSON" });
    }
  }
  return text;
}

/** The transport a client and its resources share. */
export class Transport {
  readonly options: TransportOptions;
  private refreshing: Promise<boolean> | undefined;

  constructor(options: TransportOptions) {
    this.options = options;
  }

  /** The absolute URL of `path` with `query`. */
  url(path: string, query?: Record<string, QueryValue>): string {
    return joinUrl(this.options.baseUrl, path) + encodeQuery(query);
  }

  /** Sends a request and parses its JSON answer; non-2xx answers throw CovaraClientError. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<TransportResponse<T>> {
    let res: Response;
    try {
      res = await this.fetchRaw(method, path, options);
    } catch (error) {
      // Anything (a strategy's storage, a custom fetch) ends as the one typed error.
      throw toClientError(error);
    }
    try {
      const data = await readBody(res);
      if (!res.ok && res.status !== 304) throw errorFromResponse(res.status, data, res.statusText);
      return { status: res.status, headers: res.headers, data: data as T };
    } catch (error) {
      throw toClientError(error);
    } finally {
      releaseTimers.get(res)?.();
    }
  }

  /** Asks the auth strategy for new credentials (concurrent callers share one refresh). */
  async refreshAuth(): Promise<boolean> {
    const auth = this.options.auth;
    if (!auth?.refresh) return false;
    this.refreshing ??= auth.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing.catch(() => false);
  }

  /**
   * Sends a request and returns the raw Response (for streams), after the 401 refresh-and-retry.
   * Network failures, timeouts and aborts throw CovaraClientError; HTTP errors are returned.
   */
  async fetchRaw(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const first = await this.send(method, path, options);
    const auth = this.options.auth;
    if (first.status !== 401 || !auth?.refresh) {
      if (first.status === 401) auth?.onUnauthorized?.();
      return first;
    }
    // Several requests failing at once share one refresh.
    const refreshed = await this.refreshAuth();
    if (!refreshed) {
      auth.onUnauthorized?.();
      return first;
    }
    await first.body?.cancel().catch(() => {});
    // The refused response's timeout and caller-signal link end here, not with the retry's.
    releaseTimers.get(first)?.();
    const second = await this.send(method, path, options);
    if (second.status === 401) auth.onUnauthorized?.();
    return second;
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const { fetch: customFetch, headers: baseHeaders, credentials, timeoutMs, auth } = this.options;
    const headers = new Headers(typeof baseHeaders === "function" ? baseHeaders() : baseHeaders);
    for (const [key, value] of Object.entries(options.headers ?? {})) headers.set(key, value);
    if (!headers.has("accept")) headers.set("accept", "application/json");
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers.set("content-type", "application/json");
    }
    await auth?.authorize(headers);
    const link = linkSignal(options.signal, options.timeoutMs ?? timeoutMs);
    const doFetch = customFetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
    try {
      const res = await doFetch(this.url(path, options.query), {
        method,
        headers,
        body,
        signal: link.signal,
        credentials: credentials ?? auth?.credentials ?? "same-origin",
      });
      // The timer must keep running while a caller reads the body; request() clears it after.
      releaseTimers.set(res, link.done);
      return res;
    } catch (error) {
      link.done();
      const reason = link.signal.reason as { name?: string } | undefined;
      throw toClientError(link.signal.aborted && reason?.name === "TimeoutError" ? reason : error);
    }
  }
}
