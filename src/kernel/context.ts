/**
 * The app context: what one covara app owns and hands to its resources, their extensions and
 * auth. `createCovara` builds one per app; code running without an app (a standalone
 * `useResource`, a script, a background loop that has no app at hand) uses the lazily created
 * default context, defined here and nowhere else.
 *
 * Layers above the kernel add their own members by declaration merging, the way resource
 * extensions add config keys, so the kernel never imports them:
 *
 *     declare module "../kernel/context" { interface CovaraContext { realtime?: Realtime } }
 */
import { consoleLogger, type Logger } from "./logger";

/** One app's shared services. */
export interface CovaraContext {
  /** Where covara reports failures it survives and configuration warnings. */
  logger: Logger;
}

let fallback: CovaraContext | undefined;

/** The context of code that runs outside any app, created on first use. */
export function defaultContext(): CovaraContext {
  return (fallback ??= { logger: consoleLogger });
}

/** The default context's logger: for code that has no app context at hand. */
export function defaultLogger(): Logger {
  return defaultContext().logger;
}

/**
 * Writes to whatever the default context's logger is at the time of the call, so an app given no
 * logger still honours the deprecated reporter setters.
 */
const followDefault: Logger = {
  error: (message, error, meta) => defaultLogger().error(message, error, meta),
  warn: (message, meta) => defaultLogger().warn(message, meta),
  info: (message, meta) => defaultLogger().info?.(message, meta),
};

/** A fresh app context: its own logger (default: the default context's). */
export function createContext(options: { logger?: Logger } = {}): CovaraContext {
  return { logger: options.logger ?? followDefault };
}

/**
 * Sends the default context's errors tagged `meta.source === source` to `handler` instead of its
 * logger. Backs the deprecated reporter setters (`setMutationErrorReporter`, ...), which predate
 * the logger and each covered one kind of failure.
 */
export function routeDefaultErrors(source: string, handler: (error: unknown, meta: Record<string, unknown>) => void): void {
  const context = defaultContext();
  const previous = context.logger;
  context.logger = {
    ...previous,
    error(message, error, meta) {
      if (meta?.source === source) handler(error, meta);
      else previous.error(message, error, meta);
    },
    warn: (message, meta) => previous.warn(message, meta),
  };
}
