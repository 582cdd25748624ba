/**
 * The client without the offline layer: transport, auth, typed resources and invalidation. It is
 * what `createClient` builds on; import it directly to keep the offline code out of a bundle.
 */
import { resolveAuth, type AuthOption } from "./auth/resolve";
import type { AuthStrategy } from "./auth/strategy";
import { ResourceClient } from "./resource";
import { Transport, type FetchLike } from "./transport";
import type { AppTypeSource, CovaraTypeInfo, ResourceInfoAt, UntypedResource } from "./types";

export interface ClientOptions {
  /** The API's origin, e.g. "https://api.example.com" ("" for same-origin browser apps). */
  baseUrl: string;
  credentials?: RequestCredentials;
  fetch?: FetchLike;
  headers?: Record<string, string> | (() => Record<string, string>);
  /** Per-request timeout in ms (streams excepted). */
  timeoutMs?: number;
  auth?: AuthOption;
}

/** The typed client of an app (`T` is `typeof app` or a generated CovaraTypeInfo map). */
export interface CovaraClient<T extends AppTypeSource = CovaraTypeInfo> {
  readonly options: ClientOptions;
  readonly transport: Transport;
  /** The auth strategy in use (OIDC: `client.auth.login()`). */
  readonly auth: AuthStrategy;
  /** A resource by the path it is mounted at; `resource<Row>(path)` types an unknown one. */
  resource<Row extends object = never, P extends string = string>(
    path: P,
  ): ResourceClient<[Row] extends [never] ? ResourceInfoAt<T, P> : UntypedResource<Row>>;
  /** Tells every live list and query of `path` (or of every path) to refetch. */
  invalidate(path?: string): void;
  /** Listens for invalidate(); returns the remover. */
  onInvalidate(listener: (path: string | undefined) => void): () => void;
}

/** Builds a client without the offline layer. */
export function createCoreClient<T extends AppTypeSource = CovaraTypeInfo>(options: ClientOptions): CovaraClient<T> {
  const auth = resolveAuth(options.auth, options.baseUrl);
  const transport = new Transport({ ...options, auth });
  const resources = new Map<string, ResourceClient>();
  const listeners = new Set<(path: string | undefined) => void>();
  return {
    options,
    transport,
    auth,
    resource(path: string) {
      let resource = resources.get(path);
      if (!resource) resources.set(path, (resource = new ResourceClient(transport, path)));
      return resource as never;
    },
    invalidate(path) {
      for (const listener of [...listeners]) listener(path);
    },
    onInvalidate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
