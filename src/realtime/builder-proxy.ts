/**
 * Pieces shared by the proxies that intercept Drizzle query builders (mutation tracking and the
 * query cache): awaiting a builder runs its `execute`, and chained methods hand back a builder
 * that must be intercepted too.
 */

/** Drizzle builders run when awaited (`then`/`catch`/`finally`), or through an executor method. */
export const PROMISE_METHODS = new Set(["then", "catch", "finally"]);

/** Every method that runs a builder: awaiting it, `execute`, and the driver methods that read rows. */
export const READ_EXECUTORS = new Set([...PROMISE_METHODS, "execute", "all", "get", "values"]);

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * The promise method `method` of a builder whose execution goes through `run`: awaiting the
 * builder calls `run(execute)` instead of drizzle's own `then`, which would call `execute` directly.
 */
export function awaitThrough(target: object, method: string, run: (execute: () => unknown) => unknown): AnyFunction {
  return (...args) => {
    const execute = (target as { execute: () => unknown }).execute;
    const promise = Promise.resolve().then(() => run(() => execute.call(target)));
    return (promise[method as "then"] as AnyFunction).apply(promise, args);
  };
}

/** A chained builder method: the same builder answers with the proxy, a new builder gets wrapped. */
export function chained<T extends object>(
  fn: AnyFunction,
  target: T,
  proxy: T,
  isBuilder: (value: unknown) => value is object,
  wrap: (builder: object) => object,
): AnyFunction {
  return (...args) => {
    const result = fn.apply(target, args);
    if (result === target) return proxy;
    return isBuilder(result) ? wrap(result) : result;
  };
}
