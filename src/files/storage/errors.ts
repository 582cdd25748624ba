/**
 * The errors a storage backend throws. They carry no HTTP status: the file resource turns them
 * into problems (503 `storage-unavailable`, 400 `invalid-storage-key`).
 */
import { hasControlCharacter, stripControlCharacters } from "../control-characters";

/** The backend could not be reached or failed on its side; nothing was written. */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StorageUnavailableError";
  }
}

/** A key that could escape the backend's namespace (`..`, absolute, NUL, backslash) or is empty. */
export class InvalidStorageKeyError extends Error {
  constructor(readonly key: string) {
    super(`covara: '${stripControlCharacters(key, "?")}' is not a valid storage key`);
    this.name = "InvalidStorageKeyError";
  }
}

/**
 * Refuses keys that are not plain relative paths of safe segments: every backend applies the same
 * rule, so a key valid on S3 is valid on disk and no key can climb out of the local base path.
 */
export function checkStorageKey(key: string): string {
  if (key.length === 0 || key.length > 1024) throw new InvalidStorageKeyError(key);
  if (hasControlCharacter(key) || key.includes("\\") || key.startsWith("/")) throw new InvalidStorageKeyError(key);
  for (const segment of key.split("/")) {
    if (segment === "" || segment === "." || segment === "..") throw new InvalidStorageKeyError(key);
  }
  return key;
}
