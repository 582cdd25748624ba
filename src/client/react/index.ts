/** `covara/client/react`: React hooks over covara/client, built on useSyncExternalStore. */
export { CovaraProvider, useClient, useCovara } from "./provider";
export { useLiveList } from "./use-live-list";
export type { UseLiveListMutate, UseLiveListResult } from "./use-live-list";
export { useInfiniteList } from "./use-infinite-list";
export type { UseInfiniteListResult } from "./use-infinite-list";
export { useLiveAggregate } from "./use-live-aggregate";
export type { UseLiveAggregateResult } from "./use-live-aggregate";
export { useMutation } from "./use-mutation";
export type { UseMutationResult } from "./use-mutation";
export { useSearch } from "./use-search";
export type { UseSearchResult } from "./use-search";
export { useAuth, useJWTAuth } from "./use-auth";
export type { UseAuthResult, UseJWTAuthResult } from "./use-auth";
export { useInvalidate, useList, usePrefetch, useCachedQuery } from "./use-query";
export { QueryCache } from "./query-cache";
export type { QueryState } from "./query-cache";
export { usePublicEnv } from "./use-public-env";
export { initJWTClient, getJWTClient } from "../auth/jwt-client";
