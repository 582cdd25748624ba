/**
 * Public environment variables from a covara server's `usePublicEnv` route. The values are cached
 * with their ETag, so a refresh is a conditional request answered by a 304 when nothing changed.
 * Type them with `PublicEnvOf<typeof env>` (a type-only import from `covara/env`).
 */
import { type CovaraClientError, toClientError } from "./errors";
import { Transport, type FetchLike } from "./transport";

export interface EnvClientOptions {
  /** The route `usePublicEnv` is mounted at, absolute or relative to `baseUrl`. @default "/api/env" */
  path?: string;
  /** @default "" (same origin) */
  baseUrl?: string;
  fetch?: FetchLike;
  /** Reuse a client's transport (its base URL, headers and auth) instead of `baseUrl`/`fetch`. */
  transport?: Transport;
}

export interface EnvClient<Values> {
  /** The values: cached after the first load (concurrent callers share one request). */
  get(options?: { signal?: AbortSignal }): Promise<Values>;
  /** Revalidates with `If-None-Match`; resolves to the (possibly unchanged) values. */
  refresh(options?: { signal?: AbortSignal }): Promise<Values>;
  /** The last loaded values, if any (synchronous, for render paths). */
  readonly current: Values | undefined;
}

/**
 * @example
 * // PublicEnvOf is a type from covara/env (a type-only import costs the bundle nothing)
 * const envClient = createEnvClient<PublicEnvOf<typeof env>>({ path: "/api/env" });
 * const { PUBLIC_API_URL } = await envClient.get();
 */
export function createEnvClient<Values = Record<string, unknown>>(options: EnvClientOptions = {}): EnvClient<Values> {
  const transport = options.transport ?? new Transport({ baseUrl: options.baseUrl ?? "", fetch: options.fetch });
  const path = options.path ?? "/api/env";
  let cached: { values: Values; etag: string | null } | undefined;
  // One request shared by concurrent callers. It runs under its own signal, aborted only when every
  // caller waiting on it has aborted: one caller giving up must not fail the others.
  let inflight: { promise: Promise<Values>; controller: AbortController; waiters: number } | undefined;

  const load = async (signal: AbortSignal): Promise<Values> => {
    const headers: Record<string, string> = cached?.etag ? { "if-none-match": cached.etag } : {};
    const res = await transport.request<Values>("GET", path, { headers, signal });
    if (res.status === 304 && cached) return cached.values;
    cached = { values: res.data, etag: res.headers.get("etag") };
    return res.data;
  };
  const shared = (signal: AbortSignal | undefined): Promise<Values> => {
    if (inflight === undefined) {
      const controller = new AbortController();
      const entry = { controller, waiters: 0, promise: load(controller.signal) };
      void entry.promise
        .catch(() => undefined)
        .finally(() => {
          if (inflight === entry) inflight = undefined;
        });
      inflight = entry;
    }
    const entry = inflight;
    entry.waiters++;
    return waitUnlessAborted(entry.promise, signal, () => {
      if (--entry.waiters === 0) entry.controller.abort(signal?.reason);
    });
  };

  return {
    get: async (request = {}) => cached?.values ?? shared(request.signal),
    refresh: (request = {}) => shared(request.signal),
    get current() {
      return cached?.values;
    },
  };
}

/** `promise`, unless `signal` aborts first: then an ABORTED error, and `leave` is called once. */
function waitUnlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, leave: () => void): Promise<T> {
  if (signal === undefined) return promise;
  const abortedError = (): CovaraClientError =>
    toClientError(signal.reason instanceof Error ? signal.reason : new DOMException("Aborted", "AbortError"));
  if (signal.aborted) {
    leave();
    return Promise.reject(abortedError());
  }
  // `settled` removes the abort listener once the race is decided either way.
  const settled = new AbortController();
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = (): void => {
      leave();
      reject(abortedError());
    };
    signal.addEventListener("abort", onAbort, { once: true, signal: settled.signal });
  });
  return Promise.race([promise, aborted]).finally(() => settled.abort());
}

/** One-shot read of the public variables (no cache). */
export function fetchPublicEnv<Values = Record<string, unknown>>(options: EnvClientOptions = {}): Promise<Values> {
  return createEnvClient<Values>(options).get();
}
