/**
 * The options of a file resource and what they resolve to: the storage backend, the limits, and
 * which columns of the app's files table hold the storage key, name, size, type, hash and owner.
 */
import type { Table } from "drizzle-orm";
import type { ColumnKey } from "../kernel/table-types";
import type { ResourceHandle } from "../resource/extension";
import { getStorage } from "./storage/initialize";
import type { StorageAdapter } from "./storage/types";

/** The roles of the files table's columns. */
export type FileColumnRole = "key" | "name" | "size" | "mimeType" | "hash" | "owner";

/** Options of `app.fileResource(path, table, { ...resource options, ...these })`. */
export interface FileOptions<TTable extends Table = Table> {
  /** The backend (default: the one `initializeStorage` set). */
  storage?: StorageAdapter;
  /** Accepted types (wildcards like `image/*` allowed), checked against the declared type and the content's magic bytes. Default: any type but executables posing as another. */
  allowedMimeTypes?: string[];
  /**
   * Largest file in bytes, enforced while the upload streams.
   * @default 10 MiB
   */
  maxFileSize?: number;
  /**
   * Which column holds what. Defaults: `key`, `name`, `size`, `mimeType`, `hash` (hex SHA-256),
   * `userId` (the uploader's id); a default whose column does not exist is left out. `key` is
   * required and must be NOT NULL.
   */
  columns?: Partial<Record<FileColumnRole, ColumnKey<TTable>>>;
  /**
   * The first segment of every storage key (keys are `<prefix>/u-<user id>/<uuid>.<ext>`).
   * @default the resource name
   */
  keyPrefix?: string;
  /**
   * Direct-to-bucket transfers (S3/R2): `POST /presign` hands out an upload URL, `POST /confirm`
   * checks the stored object and creates the row, downloads redirect to a presigned GET.
   */
  usePresignedUrls?: boolean | { expiresIn?: number };
}

/** File options with the defaults applied (what the extension works with). */
export interface ResolvedFileOptions {
  storage: StorageAdapter;
  allowedMimeTypes: readonly string[] | undefined;
  maxFileSize: number;
  columns: { key: string } & Partial<Record<Exclude<FileColumnRole, "key">, string>>;
  keyPrefix: string;
  presign: { expiresIn: number } | null;
}

export const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;
const DEFAULT_COLUMNS: Record<FileColumnRole, string> = {
  key: "key",
  name: "name",
  size: "size",
  mimeType: "mimeType",
  hash: "hash",
  owner: "userId",
};

/** Resolves and checks the options against the table; a TypeError naming the option when wrong. */
export function resolveFileOptions(resource: ResourceHandle, options: FileOptions): ResolvedFileOptions {
  const where = `fileResource(${resource.name})`;
  const storage = options.storage ?? getStorage();
  if (!storage)
    throw new TypeError(`covara: ${where} has no storage: call initializeStorage(...) first or pass 'storage'`);
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  if (!Number.isSafeInteger(maxFileSize) || maxFileSize < 1)
    throw new TypeError(`covara: ${where}.maxFileSize must be a positive integer`);
  const columns: Record<string, string> = {};
  for (const role of Object.keys(DEFAULT_COLUMNS) as FileColumnRole[]) {
    const named = options.columns?.[role];
    const name = named ?? DEFAULT_COLUMNS[role];
    if (resource.info.columns[name]) columns[role] = name;
    else if (named !== undefined || role === "key")
      throw new TypeError(
        `covara: ${where}.columns.${role} names '${name}', which is not a column of ${resource.name}`,
      );
  }
  const keyColumn = resource.info.columns[columns.key!]!;
  if (!keyColumn.notNull)
    throw new TypeError(
      `covara: ${where}: the storage key column '${columns.key}' must be NOT NULL (a row must always have its object)`,
    );
  let presign: ResolvedFileOptions["presign"] = null;
  if (options.usePresignedUrls) {
    if (!storage.presign)
      throw new TypeError(
        `covara: ${where}.usePresignedUrls needs a storage backend that presigns (S3, R2), not '${storage.type}'`,
      );
    const expiresIn =
      (typeof options.usePresignedUrls === "object" ? options.usePresignedUrls.expiresIn : undefined) ?? 900;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 604_800)
      throw new TypeError(`covara: ${where}.usePresignedUrls.expiresIn must be 1 to 604800 seconds`);
    presign = { expiresIn };
  }
  return {
    storage,
    allowedMimeTypes: options.allowedMimeTypes,
    maxFileSize,
    columns: { key: columns.key!, ...columns },
    keyPrefix: options.keyPrefix ?? resource.name,
    presign,
  };
}

/** The columns the server fills: never writable by clients. */
export function managedColumns(options: ResolvedFileOptions): string[] {
  return Object.values(options.columns).filter((name): name is string => name !== undefined);
}
