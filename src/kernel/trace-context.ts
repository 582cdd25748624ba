/**
 * W3C Trace Context (`traceparent`): parsing and validating an incoming header, making ids, and
 * the request's trace as an async scope so that covara's own outgoing calls (`tracedFetch`: email,
 * billing, OIDC federation) carry it without being handed the request.
 *
 * The scope needs an AsyncLocalStorage, which lives in `node:async_hooks` (Node, Workers with
 * `nodejs_compat`): `covara/node`'s `startServer` enables it; elsewhere call `enableTraceScope`
 * with the class. Without it everything still works, but outgoing calls are not linked.
 */

/** One span of a trace, as `traceparent` carries it. */
export interface TraceContext {
  /** 32 lower-case hex digits, not all zero. */
  traceId: string;
  /** This span: 16 lower-case hex digits, not all zero. */
  spanId: string;
  /** The caller's span when the trace came in with the request. */
  parentSpanId?: string;
  /** Trace flags; bit 0 is "sampled". */
  flags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO = /^0+$/;

/**
 * The trace a `traceparent` header names, or undefined when it is absent or malformed (wrong
 * length or case, version ff, an all-zero id, extra fields on version 00): the caller then starts
 * a new trace, as the specification says.
 */
export function parseTraceparent(header: string | null | undefined): Omit<TraceContext, "parentSpanId"> | undefined {
  if (typeof header !== "string" || header.length > 512) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version = "", traceId = "", spanId = "", flags = "", rest] = match;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return undefined;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) };
}

/** The `traceparent` header value of `trace` (version 00). */
export function formatTraceparent(trace: Pick<TraceContext, "traceId" | "spanId" | "flags">): string {
  return `00-${trace.traceId}-${trace.spanId}-${(trace.flags & 0xff).toString(16).padStart(2, "0")}`;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
const POOL_BYTES = 4096;
let pool: Uint8Array | undefined;
let poolOffset = POOL_BYTES;

/**
 * `bytes` random bytes as hex. Drawn from a pool refilled 4 KB at a time: one getRandomValues call
 * per id costs more than the rest of the observability middleware put together.
 */
function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL_BYTES) {
    // Made on first use: Workers forbid random values at module scope.
    pool ??= new Uint8Array(POOL_BYTES);
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  let hex = "";
  let zero = true;
  for (let i = poolOffset; i < poolOffset + bytes; i++) {
    const byte = pool?.[i] ?? 0;
    if (byte !== 0) zero = false;
    hex += HEX[byte];
  }
  poolOffset += bytes;
  // An all-zero id is invalid; a random one is astronomically unlikely, but cheap to rule out.
  return zero ? `${"0".repeat(bytes * 2 - 1)}1` : hex;
}

/** A new span id (16 hex digits). */
export function newSpanId(): string {
  return randomHex(8);
}

/**
 * The trace of a request that came in with `header`: the caller's trace continued with a new span
 * of ours, or a new sampled trace when the header is absent or malformed.
 */
export function traceFromHeader(header: string | null | undefined): TraceContext {
  const incoming = parseTraceparent(header);
  if (incoming === undefined) return { traceId: randomHex(16), spanId: newSpanId(), flags: 1 };
  return { traceId: incoming.traceId, spanId: newSpanId(), parentSpanId: incoming.spanId, flags: incoming.flags };
}

/** What an AsyncLocalStorage offers, as far as the trace scope needs it. */
interface AsyncStore<T> {
  getStore(): T | undefined;
  run<R>(store: T, callback: () => R): R;
}

let scope: AsyncStore<TraceContext> | undefined;

/**
 * Makes `runWithTrace` scopes visible to `currentTrace()` (and so to `tracedFetch`) across awaits.
 * Pass `AsyncLocalStorage` from `node:async_hooks`; calling it again is a no-op.
 */
export function enableTraceScope(AsyncLocalStorageClass: new () => AsyncStore<TraceContext>): void {
  scope ??= new AsyncLocalStorageClass();
}

/** Runs `callback` with `trace` as the current trace (a plain call when no scope is enabled). */
export function runWithTrace<R>(trace: TraceContext, callback: () => R): R {
  return scope ? scope.run(trace, callback) : callback();
}

/** The trace of the request being served, when a scope is enabled and there is one. */
export function currentTrace(): TraceContext | undefined {
  return scope?.getStore();
}

/**
 * `fetch`, plus a `traceparent` naming a new child span of the current trace when there is one
 * and the request sets none itself. covara's own outgoing calls use it by default.
 */
export const tracedFetch: typeof fetch = (input, init) => {
  const trace = currentTrace();
  if (trace === undefined) return fetch(input, init);
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
  if (!headers.has("traceparent")) headers.set("traceparent", formatTraceparent({ ...trace, spanId: newSpanId() }));
  return fetch(input, { ...init, headers });
};
