/**
 * Where the offline mutation queue persists: IndexedDB in browsers (shared by every tab of the
 * origin), memory elsewhere, or any QueueStorage you pass. A quota error in IndexedDB falls back to
 * memory with a warning instead of losing the write.
 */
import type { RowId } from "../types";

/** One queued write. `seq` orders replay. */
export interface QueuedMutation {
  id: string;
  seq: number;
  path: string;
  op: "create" | "update" | "delete";
  /** The row's id (a temporary id for a create not yet sent). */
  rowId: RowId;
  /** create: the body; update: the patch. */
  data?: Record<string, unknown>;
  /** update/delete: the row as the client knew it when it wrote (for merge and rollback). */
  base?: Record<string, unknown>;
  createdAt: number;
}

export interface QueueStorage {
  load(): Promise<QueuedMutation[]>;
  put(mutation: QueuedMutation): Promise<void>;
  delete(id: string): Promise<void>;
}

/** A queue in memory (Node, Workers, React Native without a persistent backend). */
export function memoryQueueStorage(): QueueStorage {
  const map = new Map<string, QueuedMutation>();
  return {
    load: async () => [...map.values()].sort((a, b) => a.seq - b.seq),
    put: async (m) => void map.set(m.id, structuredClone(m)),
    delete: async (id) => void map.delete(id),
  };
}

const request = <T>(req: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

const isQuotaError = (error: unknown): boolean => (error as { name?: string } | null)?.name === "QuotaExceededError";

/** A queue in IndexedDB (`covara-offline` database); memory when IndexedDB is unavailable. */
export function indexedDbQueueStorage(
  options: { name?: string; indexedDB?: IDBFactory; warn?: (message: string) => void } = {},
): QueueStorage {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const memory = memoryQueueStorage();
  if (!factory) return memory;
  let fallback = false;
  const open = new Promise<IDBDatabase>((resolve, reject) => {
    const req = factory.open(options.name ?? "covara-offline", 1);
    req.onupgradeneeded = () => req.result.createObjectStore("mutations", { keyPath: "id" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const tx = async <T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await open;
    const transaction = db.transaction("mutations", mode);
    const result = await request(run(transaction.objectStore("mutations")));
    await new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
    return result;
  };
  const fallBackToMemory = (error: unknown): void => {
    fallback = true;
    warn(
      `covara: the offline queue cannot be stored in IndexedDB (${(error as Error)?.name ?? error}); keeping it in memory`,
    );
  };
  return {
    async load() {
      const stored = fallback
        ? []
        : await tx("readonly", (s) => s.getAll() as IDBRequest<QueuedMutation[]>).catch(() => []);
      const merged = new Map([...stored, ...(await memory.load())].map((m) => [m.id, m]));
      return [...merged.values()].sort((a, b) => a.seq - b.seq);
    },
    async put(m) {
      if (!fallback) {
        try {
          await tx("readwrite", (s) => s.put(m));
          return;
        } catch (error) {
          if (!isQuotaError(error)) throw error;
          fallBackToMemory(error);
        }
      }
      await memory.put(m);
    },
    async delete(id) {
      await memory.delete(id);
      if (!fallback) await tx("readwrite", (s) => s.delete(id)).catch(() => undefined);
    },
  };
}
