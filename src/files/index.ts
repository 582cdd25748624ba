/**
 * covara/files: storage backends behind one `StorageAdapter` interface (local disk, memory,
 * S3-compatible including R2's S3 API), `initializeStorage`, and the pieces of file resources
 * (`app.fileResource(...)` on the app `createCovara` returns).
 */
export type {
  ByteRange,
  PresignOptions,
  PresignedRequest,
  PutOptions,
  StorageAdapter,
  StoredObject,
  StoredObjectInfo,
} from "./storage/types";
export { StorageUnavailableError, InvalidStorageKeyError, checkStorageKey } from "./storage/errors";
export { createMemoryStorage, type MemoryStorage } from "./storage/memory";
export { createLocalStorage, type LocalStorageOptions } from "./storage/local";
export { createS3Storage, type S3StorageOptions } from "./storage/s3";
export { createR2BindingStorage, type R2BucketLike } from "./storage/r2-binding";
export { signRequest, presignUrl, type SigV4Credentials, type SigV4Scope } from "./storage/sigv4";
export { initializeStorage, getStorage, resetStorage, createStorage, type StorageConfig } from "./storage/initialize";
export { files, fileOptionsOf } from "./extension";
export { fileResourceConfig, type FileResourceConfig, type FileResourceSettings } from "./file-resource";
export type { FileOptions, FileColumnRole } from "./options";
export { createLocalServing, type LocalServing } from "./serve";
export { FILES_PROBLEM_TYPES } from "./problems";
