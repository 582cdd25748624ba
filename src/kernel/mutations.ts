/**
 * The mutation feed: every committed write — generated endpoints, batch and nested writes, a
 * tracked db, external writers — is published once on its app's feed, and realtime, caches and
 * search indexes listen. Each app context has its own feed (`context.mutations`); the functions
 * here are the default context's, for code that runs without an app.
 */
import { contextOf, routeDefaultErrors, type ContextSource } from "./context";
import type { Mutation, MutationListener } from "./mutation-feed";

export type { Mutation, MutationFeed, MutationListener, MutationOp } from "./mutation-feed";

/**
 * Registers a listener for every mutation published on the app's feed; returns the function that
 * removes it. Without an app it listens on the default context's feed, which hears standalone
 * resources and scripts and, as before app contexts existed, every app's writes too.
 */
export function onMutations(listener: MutationListener, app?: ContextSource): () => void {
  return contextOf(app).mutations.on(listener);
}

/**
 * Replaces how listener failures are reported (they never fail the write that caused them).
 * @deprecated Use the default context's logger: these arrive at `error` with `meta.source === "mutation-listener"`.
 */
export function setMutationErrorReporter(reporter: (error: unknown) => void): void {
  routeDefaultErrors("mutation-listener", (error) => reporter(error));
}

/** Publishes committed mutations to every listener of the app's feed (default: the default context's), in order, waiting for each. */
export function publishMutations(mutations: readonly Mutation[], app?: ContextSource): Promise<void> {
  return contextOf(app).mutations.publish(mutations);
}
