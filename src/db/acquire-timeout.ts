/**
 * An acquire timeout for postgres-js, which has none: while every connection is busy it queues a
 * query for as long as it takes, so an exhausted pool answers slowly instead of failing. With
 * `withAcquireTimeout`, a query still waiting for a connection after `acquireTimeoutMs` is taken
 * out of the queue (it was never sent, so nothing ran) and fails with a `POOL_TIMEOUT` error,
 * which covara answers as 503 `service-unavailable` with Retry-After, as it does node-postgres's
 * own acquire timeout. The pool is untouched, so requests succeed again once a connection frees.
 *
 * postgres-js also pipelines queries onto connections that are busy; a query sent that way is
 * already on the server and cannot be withdrawn, so create the client with `max_pipeline: 0` for
 * the bound to hold (docs/databases.md).
 */

/** The part of a postgres-js pending query used here (its settle functions are not in its public types). */
interface PendingQuery {
  /** Null until the query is handed to a connection. */
  state?: unknown;
  /** Set once the query is run (awaited); an unrun query is left alone. */
  executed?: unknown;
  resolve?: unknown;
  reject?: unknown;
  cancel(): unknown;
}

/** The part of a postgres-js client (`postgres(url)`) used here: every query, transactions' `begin` included, goes through `unsafe`. */
export interface PostgresJsClient {
  unsafe(query: string, parameters?: never[], options?: never): PendingQuery;
}

/** The error of a query that found no free connection in time (covara maps it to a 503). */
export class PoolTimeoutError extends Error {
  readonly code = "POOL_TIMEOUT";
  constructor(acquireTimeoutMs: number) {
    super(`covara: no database connection became free within ${acquireTimeoutMs} ms`);
    this.name = "PoolTimeoutError";
  }
}

/** Gives a postgres-js client an acquire timeout (in place; returns the client). */
export function withAcquireTimeout<C extends PostgresJsClient>(client: C, options: { acquireTimeoutMs: number }): C {
  const { acquireTimeoutMs } = options;
  if (!(acquireTimeoutMs > 0)) throw new TypeError("covara: withAcquireTimeout needs acquireTimeoutMs > 0");
  const target: PostgresJsClient = client;
  const unsafe = target.unsafe;
  target.unsafe = (...args) => {
    const pending = unsafe(...args);
    const { resolve, reject } = pending;
    if (typeof resolve !== "function" || typeof reject !== "function") return pending;
    const timer = setTimeout(() => {
      // Only a query that runs and is still queued without a connection: withdrawn before it is sent.
      if (!pending.executed || (pending.state !== null && pending.state !== undefined)) return;
      reject(new PoolTimeoutError(acquireTimeoutMs));
      pending.cancel();
    }, acquireTimeoutMs);
    // Settled in time: the timer goes.
    pending.resolve = (value: unknown) => {
      clearTimeout(timer);
      resolve(value);
    };
    pending.reject = (error: unknown) => {
      clearTimeout(timer);
      reject(error);
    };
    return pending;
  };
  return client;
}
