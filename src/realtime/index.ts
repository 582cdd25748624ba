/**
 * covara realtime (internal; re-exported by `covara`): live subscriptions over SSE on top of the
 * changelog, mutation tracking for custom routes, the query cache, and live aggregates.
 */
export { createRealtime, Realtime } from "./hub";
export type { RealtimeOptions, RealtimeSettings } from "./hub";
export { subscriptions } from "./mount";
export type { SubscriptionOptions, SubscriptionsExtensionOptions } from "./mount";
export { trackMutations, untrackedDatabase, queryCacheOf } from "./tracked-db";
export type { TrackMutationsOptions, TrackedTableConfig } from "./tracked-db";
export { recordExternalMutation } from "./external";
export type { ExternalMutationOptions } from "./external";
export type { SseEventType } from "./sse-format";
