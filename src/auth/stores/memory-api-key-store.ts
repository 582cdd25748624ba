/** API key records in process memory, indexed by id, public prefix and user. */
import type { ApiKeyRecord, ApiKeyStore } from "../types";
import { applyApiKeyPatch, copyApiKeyRecord } from "./api-key-records";

/** Creates an in-memory ApiKeyStore. */
export function createMemoryApiKeyStore(): ApiKeyStore {
  const byId = new Map<string, ApiKeyRecord>();
  const idByPrefix = new Map<string, string>();

  return {
    async insert(record) {
      if (byId.has(record.id) || idByPrefix.has(record.keyPrefix)) {
        throw new Error("api key store: a key with this id or prefix already exists");
      }
      byId.set(record.id, copyApiKeyRecord(record));
      idByPrefix.set(record.keyPrefix, record.id);
    },
    async findByPrefix(keyPrefix) {
      const id = idByPrefix.get(keyPrefix);
      const record = id === undefined ? undefined : byId.get(id);
      return record === undefined ? null : copyApiKeyRecord(record);
    },
    async findById(id) {
      const record = byId.get(id);
      return record === undefined ? null : copyApiKeyRecord(record);
    },
    async listByUser(userId) {
      return [...byId.values()]
        .filter((record) => record.userId === userId)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
        .map(copyApiKeyRecord);
    },
    async update(id, patch) {
      const record = byId.get(id);
      if (record === undefined) return;
      const next = applyApiKeyPatch(record, patch);
      if (next.keyPrefix !== record.keyPrefix) {
        idByPrefix.delete(record.keyPrefix);
        idByPrefix.set(next.keyPrefix, id);
      }
      byId.set(id, next);
    },
  };
}
