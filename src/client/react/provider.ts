/** The client and query cache React hooks use: from a provider, else the client created last. */
import { assumeType } from "../../kernel/erased";
import { createContext, createElement, useContext, type ReactNode } from "react";
import { getDefaultClient, type Client } from "../client";
import type { AppTypeSource } from "../types";
import { QueryCache } from "./query-cache";

interface CovaraContextValue {
  client: Client<AppTypeSource>;
  cache: QueryCache;
}

const CovaraContext = createContext<CovaraContextValue | null>(null);
const caches = new WeakMap<object, QueryCache>();

/** The query cache of a client (one per client, shared by every hook). */
export function cacheFor(client: Client<AppTypeSource>): QueryCache {
  let cache = caches.get(client);
  if (!cache) {
    caches.set(client, (cache = new QueryCache()));
    // client.invalidate() reaches cached queries as well as live lists.
    client.onInvalidate((path) => cache!.invalidate(path));
  }
  return cache;
}

/** Makes `client` the one every hook below uses. */
export function CovaraProvider(props: { client: Client<AppTypeSource>; children?: ReactNode }): ReactNode {
  return createElement(
    CovaraContext.Provider,
    { value: { client: props.client, cache: cacheFor(props.client) } },
    props.children,
  );
}

/** The client and its query cache; throws when there is none. */
export function useCovara(): CovaraContextValue {
  const fromContext = useContext(CovaraContext);
  if (fromContext) return fromContext;
  const client = getDefaultClient();
  if (!client)
    throw new Error("covara/client/react: wrap the app in <CovaraProvider client={...}> or create a client first");
  return { client, cache: cacheFor(client) };
}

/** The covara client in use. */
export function useClient<T extends AppTypeSource = AppTypeSource>(): Client<T> {
  // The provider holds the client untyped (one context for every app type); the caller names the
  // app type it created that client for, and the runtime object is the same whatever T is.
  return assumeType<Client<T>>(useCovara().client);
}
