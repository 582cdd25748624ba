/**
 * Local disk storage. Each object is a file under `basePath`; a write goes to a temporary file
 * beside it and is renamed into place only when complete, so a failed, aborted or cut upload
 * never leaves a partial object. Keys are checked (`checkStorageKey`) and the resolved path must
 * stay inside `basePath` after symlinks are followed. Files are read and written through a
 * FileHandle (see `writeFile` and `fileStream`).
 *
 * The Node modules are loaded on first use, not at import: the package's other adapters run on
 * Workers, and importing this file there must not fail.
 */
import { checkStorageKey, InvalidStorageKeyError, StorageUnavailableError } from "./errors";
import type { ByteRange, PutOptions, StorageAdapter, StoredObject, StoredObjectInfo } from "./types";

export interface LocalStorageOptions {
  /** The directory objects are stored under (created when missing). */
  basePath: string;
  /** The URL prefix createCovara serves the files at (e.g. `/uploads`); none: not served. */
  baseUrl?: string;
}

/** The Node modules the adapter needs, loaded once. */
async function nodeModules() {
  const [fsp, path, crypto] = await Promise.all([
    import("node:fs/promises"),
    import("node:path"),
    import("node:crypto"),
  ]);
  return { fsp, path, crypto };
}

type NodeModules = Awaited<ReturnType<typeof nodeModules>>;

function isMissing(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    (error.code === "ENOENT" || error.code === "ENOTDIR")
  );
}

/** Disk failures other than a missing file: the disk is full, read-only or gone. */
function unavailable(error: unknown): StorageUnavailableError {
  return new StorageUnavailableError(
    `covara: local storage failed: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}

export function createLocalStorage(options: LocalStorageOptions): StorageAdapter {
  let modules: Promise<NodeModules> | undefined;
  let root: Promise<string> | undefined;
  const node = () => (modules ??= nodeModules());
  const base = () =>
    (root ??= node().then(async ({ fsp, path }) => {
      const absolute = path.resolve(options.basePath);
      await fsp.mkdir(absolute, { recursive: true });
      return fsp.realpath(absolute);
    }));

  /** The file of a key, refused when it (or a symlink on its way) leads outside the base. */
  async function fileOf(key: string, { mustExist }: { mustExist: boolean }): Promise<string> {
    checkStorageKey(key);
    const { fsp, path } = await node();
    const rootPath = await base();
    const file = path.resolve(rootPath, key);
    if (!file.startsWith(rootPath + path.sep)) throw new InvalidStorageKeyError(key);
    if (mustExist) {
      const real = await fsp.realpath(file);
      if (!real.startsWith(rootPath + path.sep)) throw new InvalidStorageKeyError(key);
    }
    return file;
  }

  async function stat(key: string): Promise<StoredObjectInfo | null> {
    const { fsp } = await node();
    try {
      const file = await fileOf(key, { mustExist: true });
      const facts = await fsp.stat(file);
      if (!facts.isFile()) return null;
      return {
        key,
        size: facts.size,
        lastModified: facts.mtime,
        etag: `"${facts.size.toString(16)}-${Math.floor(facts.mtimeMs).toString(16)}"`,
      };
    } catch (error) {
      if (isMissing(error)) return null;
      if (error instanceof InvalidStorageKeyError) throw error;
      throw unavailable(error);
    }
  }

  const adapter: StorageAdapter = {
    type: "local",
    async put(key: string, body: ReadableStream<Uint8Array> | Uint8Array, putOptions: PutOptions = {}) {
      const { fsp, path, crypto } = await node();
      const file = await fileOf(key, { mustExist: false });
      const temporary = `${file}.${crypto.randomBytes(6).toString("hex")}.part`;
      try {
        await fsp.mkdir(path.dirname(file), { recursive: true });
        await writeFile(fsp, temporary, body, putOptions.signal);
        await fsp.rename(temporary, file);
      } catch (error) {
        await fsp.rm(temporary, { force: true }).catch(() => {});
        // A failing source (a client gone mid-upload) or an abort is the caller's error; anything else is the disk's.
        if (putOptions.signal?.aborted || !isDiskError(error)) throw error;
        throw unavailable(error);
      }
      const facts = await stat(key);
      if (!facts) throw unavailable(new Error(`'${key}' vanished right after it was written`));
      return putOptions.contentType === undefined ? facts : { ...facts, contentType: putOptions.contentType };
    },
    async get(key: string, getOptions: { range?: ByteRange } = {}): Promise<StoredObject | null> {
      const facts = await stat(key);
      if (!facts) return null;
      const { fsp } = await node();
      const handle = await fsp.open(await fileOf(key, { mustExist: true }), "r").catch((error: unknown) => {
        if (isMissing(error)) return null;
        throw unavailable(error);
      });
      if (!handle) return null;
      const start = getOptions.range?.start ?? 0;
      const end = getOptions.range ? getOptions.range.end + 1 : facts.size;
      return { ...facts, body: fileStream(handle, start, end) };
    },
    head: stat,
    async delete(key: string) {
      const { fsp } = await node();
      try {
        await fsp.rm(await fileOf(key, { mustExist: false }), { force: true });
      } catch (error) {
        if (error instanceof InvalidStorageKeyError) throw error;
        throw unavailable(error);
      }
    },
  };
  return options.baseUrl === undefined ? adapter : { ...adapter, baseUrl: normalizeBaseUrl(options.baseUrl) };
}

/** Bytes per disk read of a download. */
const READ_CHUNK = 256 * 1024;

type FileHandle = Awaited<ReturnType<NodeModules["fsp"]["open"]>>;

/** Bytes gathered into one `writev` while the previous one is on the disk. */
const WRITE_BATCH = 1024 * 1024;

/**
 * Writes a body to a new file through one FileHandle, pipelined: chunks (64 KiB off a socket) are
 * gathered into ~1 MiB batches, each written with one `writev` while the next batch is read. One
 * disk write per chunk cost a thread-pool round trip per 64 KiB, and with nothing read meanwhile
 * the upload stalled on each: measured in bench/files.ts and docs/performance.md.
 */
async function writeFile(
  fsp: NodeModules["fsp"],
  target: string,
  body: ReadableStream<Uint8Array> | Uint8Array,
  signal: AbortSignal | undefined,
): Promise<void> {
  const handle = await fsp.open(target, "wx");
  const write = async (chunk: Uint8Array) => {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
      offset += bytesWritten;
    }
  };
  try {
    if (body instanceof Uint8Array) {
      signal?.throwIfAborted();
      await write(body);
      return;
    }
    const reader = body.getReader();
    const writeBatch = async (chunks: Uint8Array[], total: number) => {
      const { bytesWritten } = await handle.writev(chunks);
      // A short write (rare on a file): the rest chunk by chunk.
      let skip = bytesWritten;
      if (skip === total) return;
      for (const chunk of chunks) {
        if (skip >= chunk.byteLength) skip -= chunk.byteLength;
        else {
          await write(chunk.subarray(skip));
          skip = 0;
        }
      }
    };
    let writing: Promise<void> | undefined;
    try {
      let batch: Uint8Array[] = [];
      let size = 0;
      for (;;) {
        signal?.throwIfAborted();
        const { done, value } = await reader.read();
        if (done) break;
        batch.push(value);
        size += value.byteLength;
        if (size >= WRITE_BATCH) {
          await writing;
          writing = writeBatch(batch, size);
          // Awaited before the next batch or at the end; a failure meanwhile must not go unhandled.
          writing.catch(() => {});
          batch = [];
          size = 0;
        }
      }
      await writing;
      if (size > 0) await writeBatch(batch, size);
      signal?.throwIfAborted();
    } catch (error) {
      await writing?.catch(() => {});
      await reader.cancel(error).catch(() => {});
      throw error;
    }
  } finally {
    await handle.close();
  }
}

/** A file's bytes `[start, end)` as a Web stream, read ahead by two chunks; the handle closes at the end or on cancel. */
function fileStream(handle: FileHandle, start: number, end: number): ReadableStream<Uint8Array> {
  let position = start;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => {});
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const length = Math.min(READ_CHUNK, end - position);
        if (length <= 0) {
          await close();
          return controller.close();
        }
        try {
          const buffer = new Uint8Array(length);
          const { bytesRead } = await handle.read(buffer, 0, length, position);
          if (bytesRead === 0) {
            await close();
            return controller.close();
          }
          position += bytesRead;
          controller.enqueue(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
        } catch (error) {
          await close();
          controller.error(unavailable(error));
        }
      },
      cancel: close,
    },
    { highWaterMark: 2 },
  );
}

/** Errors of the file system itself (as opposed to the body stream that feeds it). */
function isDiskError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "syscall" in error;
}

/** `uploads/` or `/uploads/` → `/uploads`. */
export function normalizeBaseUrl(baseUrl: string): string {
  const trimmed = `/${baseUrl.replace(/^\/+|\/+$/g, "")}`;
  if (trimmed === "/") throw new TypeError("covara: local storage baseUrl must not be '/'");
  return trimmed;
}
