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

/**
 * `meta` without `source`, the tag covara puts on a few kinds of failure so they can be routed
 * (see routeDefaultErrors); undefined when nothing else is left to print.
 */
function printable(meta: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (meta === undefined) return undefined;
  const { source: _source, ...rest } = meta;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/** The default logger: console.error / console.warn / console.info, with the error object kept whole. */
export const consoleLogger: Logger = {
  error(message, error, meta) {
    const details: unknown[] = [];
    if (error !== undefined) details.push(error);
    const extra = printable(meta);
    if (extra !== undefined) details.push(extra);
    console.error(message, ...details);
  },
  warn(message, meta) {
    const extra = printable(meta);
    if (extra === undefined) console.warn(message);
    else console.warn(message, extra);
  },
  info(message, meta) {
    const extra = printable(meta);
    if (extra === undefined) console.info(message);
    else console.info(message, extra);
  },
};
