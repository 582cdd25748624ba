/**
 * `createClient` and its HMR-safe twin `getOrCreateClient`: the core client, plus the offline
 * layer when `offline` is set.
 */
import { assumeType } from "../kernel/erased";
import { createCoreClient, type ClientOptions, type CovaraClient } from "./client-core";
import { type BillingClient, createBillingClient } from "./billing";
import { createOfflineManager, type OfflineManager, type OfflineOptions } from "./offline/manager";
import { FilesClient } from "./files";
import type { AppTypeSource, CovaraTypeInfo, ResourceInfoAt } from "./types";

export interface CreateClientOptions extends ClientOptions {
  /** Optimistic writes, a persisted mutation queue and multi-tab coherence. */
  offline?: boolean | OfflineOptions;
  /** Where the billing router is mounted (default `/api/billing`). */
  billingPath?: string;
}

/** A client; `offline` is set when the offline layer is on. */
export interface Client<T extends AppTypeSource = CovaraTypeInfo> extends CovaraClient<T> {
  readonly offline: OfflineManager | undefined;
  /** The billing router's routes (`createBillingRouter` on the server). */
  readonly billing: BillingClient;
  /** A file resource by its path: uploads with progress and download URLs (see `FilesClient`). */
  files<Row extends object = never, P extends string = string>(
    path: P,
  ): FilesClient<[Row] extends [never] ? ResourceInfoAt<T, P>["row"] : Row>;
}

/** Creates a client for a covara API. */
export function createClient<T extends AppTypeSource = CovaraTypeInfo>(options: CreateClientOptions): Client<T> {
  const core = createCoreClient<T>(options);
  const offline = options.offline
    ? createOfflineManager(core, options.offline === true ? {} : options.offline)
    : undefined;
  // Here rather than in the core client, whose bundle budget has no room for uploads.
  const fileClients = new Map<string, FilesClient>();
  const files = (path: string): FilesClient => {
    let created = fileClients.get(path);
    if (!created) fileClients.set(path, (created = new FilesClient(core.transport, path)));
    return created;
  };
  // files(path) is typed per path by the app type T; at run time one FilesClient serves any row type.
  const client = assumeType<Client<T>>(
    Object.assign(core, { offline, billing: createBillingClient(core.transport, options.billingPath), files }),
  );
  (globalThis as { [DEFAULT]?: Client<AppTypeSource> })[DEFAULT] = client;
  return client;
}

const DEFAULT = Symbol.for("covara.client.default");

/** The client created last (what React hooks use without a provider). */
export function getDefaultClient<T extends AppTypeSource = CovaraTypeInfo>(): Client<T> | undefined {
  return (globalThis as { [DEFAULT]?: Client<T> })[DEFAULT];
}

const REGISTRY = Symbol.for("covara.client.instances");

/** What identifies a client across hot reloads: every option that is plain data. */
function optionsKey(options: CreateClientOptions): string {
  const auth = options.auth;
  const authKey =
    typeof auth === "string" || auth === undefined
      ? auth
      : "authorize" in auth
        ? auth.kind
        : JSON.stringify(auth, (_key, value: unknown) => (typeof value === "function" ? "fn" : value));
  return JSON.stringify([
    options.baseUrl,
    options.credentials,
    options.timeoutMs,
    typeof options.headers === "function" ? "fn" : options.headers,
    authKey,
    typeof options.offline === "object" ? { ...options.offline, storage: undefined } : options.offline,
    options.billingPath,
  ]);
}

/** Like createClient, but the same options give the same instance (dev servers re-run modules). */
export function getOrCreateClient<T extends AppTypeSource = CovaraTypeInfo>(options: CreateClientOptions): Client<T> {
  const holder = globalThis as { [REGISTRY]?: Map<string, Client<AppTypeSource>> };
  const registry = (holder[REGISTRY] ??= new Map());
  const key = optionsKey(options);
  let client = registry.get(key);
  if (!client) registry.set(key, (client = createClient<AppTypeSource>(options)));
  // One instance per options key whatever app type the callers name: the type is the caller's
  // claim about the server it talks to, the runtime object is the same.
  return assumeType<Client<T>>(client);
}
