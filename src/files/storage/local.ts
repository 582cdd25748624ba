/**
 * Local disk storage. Each object is a file under `basePath`; a write goes to a temporary file
 * beside it and is renamed into place only when complete, so a failed, aborted or cut upload
 * never leaves a partial object. Keys are checked (`checkStorageKey`) and the resolved path must
 * stay inside `basePath` after symlinks are followed.
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
  const [fs, fsp, path, stream, streamPromises, crypto] = await Promise.all([
    import("node:fs"),
    import("node:fs/promises"),
    import("node:path"),
    import("node:stream"),
    import("node:stream/promises"),
    import("node:crypto"),
  ]);
  return { fs, fsp, path, stream, streamPromises, crypto };
}

type NodeModules = Awaited<ReturnType<typeof nodeModules>>;

function isMissing(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && (error.code === "ENOENT" || error.code === "ENOTDIR");
}

/** Disk failures other than a missing file: the disk is full, read-only or gone. */
function unavailable(error: unknown): StorageUnavailableError {
  return new StorageUnavailableError(`covara: local storage failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
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
      return { key, size: facts.size, lastModified: facts.mtime, etag: `"${facts.size.toString(16)}-${Math.floor(facts.mtimeMs).toString(16)}"` };
    } catch (error) {
      if (isMissing(error)) return null;
      if (error instanceof InvalidStorageKeyError) throw error;
      throw unavailable(error);
    }
  }

  const adapter: StorageAdapter = {
    type: "local",
    async put(key: string, body: ReadableStream<Uint8Array> | Uint8Array, putOptions: PutOptions = {}) {
      const { fs, fsp, path, stream, streamPromises, crypto } = await node();
      const file = await fileOf(key, { mustExist: false });
      const temporary = `${file}.${crypto.randomBytes(6).toString("hex")}.part`;
      try {
        await fsp.mkdir(path.dirname(file), { recursive: true });
        const source = body instanceof Uint8Array ? stream.Readable.from([body]) : stream.Readable.fromWeb(asNodeWebStream(body));
        await streamPromises.pipeline(source, fs.createWriteStream(temporary, { flags: "wx" }), { signal: putOptions.signal });
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
      const { fs, stream } = await node();
      const file = await fileOf(key, { mustExist: true });
      const range = getOptions.range;
      const reader = fs.createReadStream(file, range ? { start: range.start, end: range.end } : {});
      const body = stream.Readable.toWeb(reader) as ReadableStream<Uint8Array>;
      return { ...facts, body };
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

/** Node's `Readable.fromWeb` wants its own ReadableStream type; the Web one is the same object at run time. */
function asNodeWebStream(body: ReadableStream<Uint8Array>): import("node:stream/web").ReadableStream<Uint8Array> {
  return body as import("node:stream/web").ReadableStream<Uint8Array>;
}
