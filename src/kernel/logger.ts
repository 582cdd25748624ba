/**
 * The one door for covara's own diagnostics: failures it survives (a mutation listener, a search
 * index, an unexpected error rendered as a 500) and warnings about configuration. Apps pass their
 * own logger to `createCovara({ logger })`; the default writes to the console.
 */

/** Where covara reports what it cannot put in a response. `meta` carries structured detail. */
export interface Logger {
  error(message: string, error?: unknown, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info?(message: string, meta?: Record<string, unknown>): void;
}

/** The default logger: console.error / console.warn / console.info, with the error object kept whole. */
export const consoleLogger: Logger = {
  error(message, error, meta) {
    const details: unknown[] = [];
    if (error !== undefined) details.push(error);
    if (meta !== undefined) details.push(meta);
    console.error(message, ...details);
  },
  warn(message, meta) {
    if (meta === undefined) console.warn(message);
    else console.warn(message, meta);
  },
  info(message, meta) {
    if (meta === undefined) console.info(message);
    else console.info(message, meta);
  },
};
