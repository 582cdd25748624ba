/**
 * `initializeStorage(config)`: the process-wide default storage backend, as the spec configures
 * it once at start-up. A file resource uses the adapter in its own options first, then this one.
 */
import { createLocalStorage, type LocalStorageOptions } from "./local";
import { createMemoryStorage } from "./memory";
import { createS3Storage, type S3StorageOptions } from "./s3";
import type { StorageAdapter } from "./types";

/** The storage configurations `initializeStorage` takes (or an adapter built elsewhere). */
export type StorageConfig =
  | { type: "local"; local: LocalStorageOptions }
  | { type: "memory" }
  | { type: "s3"; s3: S3StorageOptions }
  /** R2 through its S3-compatible API (`endpoint: https://<account>.r2.cloudflarestorage.com`, region "auto"). */
  | { type: "r2"; r2: S3StorageOptions }
  | { type: "custom"; adapter: StorageAdapter };

/** The adapter a configuration describes. */
export function createStorage(config: StorageConfig): StorageAdapter {
  switch (config.type) {
    case "local":
      return createLocalStorage(config.local);
    case "memory":
      return createMemoryStorage();
    case "s3":
      return createS3Storage(config.s3);
    case "r2":
      return createS3Storage({ region: "auto", forcePathStyle: true, ...config.r2 }, "r2");
    case "custom":
      return config.adapter;
  }
}

let current: StorageAdapter | undefined;

/**
 * Sets the default storage backend from a configuration or an adapter, and returns the adapter.
 *
 * @example
 * ```ts
 * initializeStorage({ type: "local", local: { basePath: "./uploads", baseUrl: "/uploads" } });
 * ```
 */
export function initializeStorage(config: StorageConfig | StorageAdapter): StorageAdapter {
  current = "put" in config ? config : createStorage(config);
  return current;
}

/** The default storage backend, or undefined before `initializeStorage`. */
export function getStorage(): StorageAdapter | undefined {
  return current;
}

/** Forgets the default backend (tests, hot reload). */
export function resetStorage(): void {
  current = undefined;
}
