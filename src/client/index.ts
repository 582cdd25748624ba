/** `covara/client`: a typed client for covara APIs; no DOM, Node or server imports. */
export { createClient, getDefaultClient, getOrCreateClient } from "./client";
export type { Client, CreateClientOptions } from "./client";
export { createCoreClient } from "./client-core";
export type { ClientOptions, CovaraClient } from "./client-core";
export { ResourceClient, listQuery } from "./resource";
export { FilesClient } from "./files";
export type { NativeFile, UploadOptions, UploadProgress, UploadableFile } from "./files";
export type { AggregateParams, ListParams, Page, SearchParams, SubscribeQuery, WriteOptions } from "./resource";
export { CovaraClientError, isCovaraClientError, toClientError } from "./errors";
export type { ClientErrorCode, ProblemDocument } from "./errors";
export { Filter, and, or, where, comparison, formatRsqlValue, quoteRsqlString, FILTER_OPERATORS } from "./filter";
export type { FilterBuilder, FilterLiteral } from "./filter";
export { Transport } from "./transport";
export type { FetchLike, RequestOptions, TransportOptions, TransportResponse } from "./transport";
export { openEventStream } from "./event-stream";
export type { EventStream, EventStreamHandlers, EventStreamOptions, StreamStatus } from "./event-stream";
export { createSseParser } from "./sse-parser";
export { fullJitterDelay } from "./backoff";
export type { Subscription, SubscriptionHandlers } from "./subscribe";
export { LiveListStore } from "./live-list";
export type { LiveListOptions } from "./live-list";
export { openLiveList } from "./live-query";
export type { LiveListHandle, LiveListCallbacks } from "./live-query";
export { createRowComparator, parseOrderBy } from "./order";
export type { AuthStrategy } from "./auth/strategy";
export type { AuthOption } from "./auth/resolve";
export { resolveAuth } from "./auth/resolve";
export { CookieAuth, apiKeyAuth, bearerAuth } from "./auth/simple";
export type { CookieAuthOptions } from "./auth/simple";
export { JWTClient, initJWTClient, getJWTClient } from "./auth/jwt-client";
export type { JWTClientOptions } from "./auth/jwt-client";
export { OIDCClient } from "./auth/oidc-client";
export type { OIDCClientOptions } from "./auth/oidc-client";
export { AuthStateStore, isInteractiveAuth } from "./auth/state";
export type { AuthState, AuthStatus, InteractiveAuth } from "./auth/state";
export { asyncStorageTokenStorage, localStorageTokenStorage, memoryTokenStorage } from "./auth/token-storage";
export type { TokenStorage } from "./auth/token-storage";
export { OfflineManager, createOfflineManager, memoryQueueStorage, indexedDbQueueStorage } from "./offline/manager";
export type { OfflineOptions, QueuedMutation, QueueStorage, OfflineConflict } from "./offline/manager";
export type {
  AnyRow,
  AppTypeSource,
  CovaraTypeInfo,
  ResourceInfoAt,
  ResourceTypeInfo,
  RowId,
  Selected,
  TypeInfoOf,
  UntypedResource,
} from "./types";
export { createBillingClient } from "./billing";
export type { BillingClient, BillingPlanInfo, BillingSubscription, CheckoutParams, CreditEntry } from "./billing";
export { liveList } from "./live";
export type { LiveList, LiveListMutate } from "./live";
export { createEnvClient, fetchPublicEnv } from "./env";
export type { EnvClient, EnvClientOptions } from "./env";
