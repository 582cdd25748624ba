/**
 * Process-wide shutdown state shared by the runtime adapter (which starts a drain on SIGTERM) and
 * the app (whose `/readyz` answers 503 and whose SSE streams end cleanly while draining).
 * Web-standard on purpose: no `node:` imports, so Workers bundles can include it.
 */
import { defaultLogger } from "./context";

/** Work to do when shutdown begins: end SSE streams, stop workers, flush logs. */
export type ShutdownHook = () => void | Promise<void>;

interface LifecycleState {
  shuttingDown: boolean;
  hooks: Set<ShutdownHook>;
  running: Promise<void> | undefined;
}

// Kept on globalThis under a registered symbol so that two copies of this module (say `covara/node`
// from dist and an app importing src in tests) still agree on one process-wide flag.
const STATE_KEY = Symbol.for("covara.lifecycle");

function state(): LifecycleState {
  const holder = globalThis as { [STATE_KEY]?: LifecycleState };
  holder[STATE_KEY] ??= { shuttingDown: false, hooks: new Set(), running: undefined };
  return holder[STATE_KEY];
}

/** True once shutdown has begun; readiness checks answer 503 from then on. */
export function isShuttingDown(): boolean {
  return state().shuttingDown;
}

/**
 * Registers a hook that runs once when shutdown begins; returns a function that unregisters it.
 * A hook registered after shutdown began runs right away, so a late SSE stream still ends.
 */
export function onShutdown(hook: ShutdownHook): () => void {
  const current = state();
  if (current.shuttingDown) {
    void runHook(hook);
    return () => {};
  }
  current.hooks.add(hook);
  return () => {
    current.hooks.delete(hook);
  };
}

/**
 * Marks the process as shutting down and runs every registered hook concurrently. Idempotent:
 * later calls return the first call's promise. A failing hook is reported, never rethrown, so
 * one bad hook cannot stop the drain.
 */
export function beginShutdown(): Promise<void> {
  const current = state();
  if (current.running) return current.running;
  current.shuttingDown = true;
  const hooks = [...current.hooks];
  current.hooks.clear();
  current.running = Promise.all(hooks.map(runHook)).then(() => undefined);
  return current.running;
}

async function runHook(hook: ShutdownHook): Promise<void> {
  try {
    await hook();
  } catch (error) {
    defaultLogger().error("[covara] shutdown hook failed:", error);
  }
}
