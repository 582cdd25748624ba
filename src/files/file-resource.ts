/**
 * The resource config of `app.fileResource(path, table, options)`: the resource options as given,
 * the file options under the `files` key (read by the `files()` extension), the file columns taken
 * out of the writable set (the server fills them; a client can neither set nor change them), and
 * storage cleanup after every hard delete (single and batch), once the delete has committed.
 */
import { getTableColumns, type Table } from "drizzle-orm";
import type { Logger } from "../kernel/logger";
import type { ResourceConfig } from "../resource";
import type { FileColumnRole, FileOptions } from "./options";
import { getStorage } from "./storage/initialize";
import type { StorageAdapter } from "./storage/types";

declare module "../resource/extension" {
  interface ResourceExtensionConfig<TTable extends Table> {
    /** Set by `fileResource`: the file options of a file resource. */
    files?: FileResourceSettings;
  }
}

/** What `fileResource` puts under the resource config's `files` key. */
export interface FileResourceSettings {
  options: FileOptions;
  /** Filled in by the extension's init: where storage-cleanup failures are reported. */
  runtime: { logger?: Logger; storage?: StorageAdapter };
}

/** The resource config plus the file options, as `app.fileResource` takes it. */
export type FileResourceConfig<TConfig, TTable extends Table = Table> = TConfig & FileOptions<TTable>;

const FILE_OPTION_KEYS = [
  "storage",
  "allowedMimeTypes",
  "maxFileSize",
  "columns",
  "keyPrefix",
  "usePresignedUrls",
] as const;
const DEFAULT_NAMES: Record<FileColumnRole, string> = {
  key: "key",
  name: "name",
  size: "size",
  mimeType: "mimeType",
  hash: "hash",
  owner: "userId",
};

/** The file columns of a table under the given options (those that exist). */
export function fileColumnNames(
  table: Table,
  columns: FileOptions["columns"],
): Partial<Record<FileColumnRole, string>> {
  const present = new Set(Object.keys(getTableColumns(table)));
  const names: Partial<Record<FileColumnRole, string>> = {};
  for (const role of Object.keys(DEFAULT_NAMES) as FileColumnRole[]) {
    const name = (columns?.[role] as string | undefined) ?? DEFAULT_NAMES[role];
    if (present.has(name)) names[role] = name;
  }
  return names;
}

/** Splits `fileResource`'s options into the resource config the router mounts. */
export function fileResourceConfig<TTable extends Table>(
  table: TTable,
  config: FileResourceConfig<ResourceConfig<TTable>>,
): ResourceConfig<TTable> {
  const options: FileOptions = {};
  const resource: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(config)) {
    if ((FILE_OPTION_KEYS as readonly string[]).includes(name)) Object.assign(options, { [name]: value });
    else resource[name] = value;
  }
  const base = config as ResourceConfig<TTable>;
  const managed = new Set(Object.values(fileColumnNames(table, options.columns)));
  const allColumns = Object.keys(getTableColumns(table));
  const writable = (base.fields?.writable ?? allColumns).filter((name) => !managed.has(name));
  const settings: FileResourceSettings = { options, runtime: {} };
  const keyColumn = fileColumnNames(table, options.columns).key;
  const userHook = base.hooks?.onAfterDelete;

  return {
    ...resource,
    fields: { ...base.fields, writable: writable as NonNullable<ResourceConfig<TTable>["fields"]>["writable"] },
    hooks: {
      ...base.hooks,
      async onAfterDelete(ctx, row) {
        await userHook?.call(base.hooks, ctx, row);
        // A soft delete keeps the row (it can be restored), so the object stays too.
        if (base.softDelete || keyColumn === undefined) return;
        const key = (row as Record<string, unknown>)[keyColumn];
        const storage = settings.runtime.storage ?? options.storage ?? getStorage();
        if (typeof key !== "string" || !storage) return;
        await storage.delete(key).catch((error: unknown) => {
          // The row is gone; an object left behind is reported, never a failed delete.
          settings.runtime.logger?.error(
            `covara: could not delete stored file '${key}' of a deleted row; it is orphaned`,
            error,
            { source: "files" },
          );
        });
      },
    },
    files: settings,
  } as ResourceConfig<TTable>;
}
