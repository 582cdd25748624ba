/**
 * The app context: what one covara app owns and hands to its resources, their extensions and
 * auth. `createCovara` builds one per app; code running without an app (a standalone
 * `useResource`, a script) uses the lazily created default context, defined here and nowhere else.
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

/** A fresh app context: its own logger, nothing shared with other apps. */
export function createContext(options: { logger?: Logger } = {}): CovaraContext {
  return { logger: options.logger ?? consoleLogger };
}
