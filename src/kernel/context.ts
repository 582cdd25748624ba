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
import type { KV } from "./kv";
import { consoleLogger, type Logger } from "./logger";
import { createMutationFeed, type MutationFeed } from "./mutation-feed";

/** One app's shared services. */
export interface CovaraContext {
  /** Where covara reports failures it survives and configuration warnings. */
  logger: Logger;
  /** The app's committed writes: its resources publish here, its hubs, caches and indexes listen. */
  readonly mutations: MutationFeed;
  /**
   * The app-wide KV that subsystems without a KV of their own fall back to (`getGlobalKV`).
   * @default none (each falls back to memory)
   */
  kv?: KV;
}

/**
 * Something that names an app context: the context itself, or an app that carries one
 * (`createCovara(...)` returns such an app). Options that take it (`trackMutations(db, tables,
 * { app })`, `recordExternalMutation(..., { app })`, `useAuth({ app })`) use the default context
 * when it is absent.
 */
export type ContextSource = CovaraContext | { readonly context: CovaraContext };

let fallback: CovaraContext | undefined;

/** The context of code that runs outside any app, created on first use. */
export function defaultContext(): CovaraContext {
  if (fallback) return fallback;
  const context: CovaraContext = { logger: consoleLogger, mutations: createMutationFeed(() => context.logger) };
  fallback = context;
  return context;
}

/** The context `source` names, or the default context when there is none. */
export function contextOf(source: ContextSource | undefined): CovaraContext {
  if (source === undefined) return defaultContext();
  return "context" in source ? source.context : source;
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

/**
 * A fresh app context: its own mutation feed, logger (default: the default context's) and KV
 * (default: none). Its feed is a child of the default context's (see `createMutationFeed`): the
 * app's writes also reach the default context's listeners, which observe the whole process
 * (`onMutations(listener)` without an app, as before contexts existed), and writes published
 * without an app reach every app; nothing one app owns ever hears another app's writes.
 */
export function createContext(options: { logger?: Logger; kv?: KV } = {}): CovaraContext {
  const context: CovaraContext = {
    logger: options.logger ?? followDefault,
    mutations: createMutationFeed(() => context.logger, defaultContext().mutations),
  };
  if (options.kv !== undefined) context.kv = options.kv;
  return context;
}

/**
 * Sends the default context's errors tagged `meta.source === source` to `handler` instead of its
 * logger. Backs the deprecated reporter setters (`setMutationErrorReporter`, ...), which predate
 * the logger and each covered one kind of failure.
 */
export function routeDefaultErrors(
  source: string,
  handler: (error: unknown, meta: Record<string, unknown>) => void,
): void {
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
