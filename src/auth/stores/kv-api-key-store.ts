/**
 * API key records in any KV backend: one JSON value per key id, a prefix → id pointer for
 * verification, and a per-user sorted set (score: creation time) for listing.
 */
import type { KV } from "../../kernel/kv";
import type { ApiKeyRecord, ApiKeyStore } from "../types";
import { applyApiKeyPatch, copyApiKeyRecord } from "./api-key-records";

export interface KVApiKeyStoreOptions {
  kv: KV;
  /** Prefix of every key the store writes (default "covara:api-keys:"). */
  prefix?: string;
}

interface StoredRecord {
  userId: string;
  name: string;
  keyHash: string;
  keyPrefix: string;
  createdAt: number;
  scopes: string[] | null;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** Creates an ApiKeyStore over a KV. */
export function createKVApiKeyStore(options: KVApiKeyStoreOptions): ApiKeyStore {
  const { kv } = options;
  const prefix = options.prefix ?? "covara:api-keys:";
  const recordKey = (id: string) => `${prefix}k:${id}`;
  const prefixKey = (keyPrefix: string) => `${prefix}p:${keyPrefix}`;
  const userKey = (userId: string) => `${prefix}u:${userId}`;

  async function read(id: string): Promise<ApiKeyRecord | null> {
    const raw = await kv.get(recordKey(id));
    return raw === null ? null : parse(id, raw);
  }

  async function write(id: string, record: ApiKeyRecord): Promise<void> {
    await kv.set(recordKey(id), serialize(record));
  }

  return {
    async insert(record) {
      // Claim the public prefix first (SET NX): a duplicate can never overwrite another key's pointer.
      if (!(await kv.set(prefixKey(record.keyPrefix), record.id, { ifNotExists: true }))) {
        throw new Error("api key store: a key with this prefix already exists");
      }
      if (!(await kv.set(recordKey(record.id), serialize(record), { ifNotExists: true }))) {
        await kv.delete(prefixKey(record.keyPrefix));
        throw new Error("api key store: a key with this id already exists");
      }
      await kv.zadd(userKey(record.userId), record.id, record.createdAt.getTime());
    },
    async findByPrefix(keyPrefix) {
      const id = await kv.get(prefixKey(keyPrefix));
      if (id === null) return null;
      const record = await read(id);
      return record !== null && record.keyPrefix === keyPrefix ? record : null;
    },
    findById: read,
    async listByUser(userId) {
      const records: ApiKeyRecord[] = [];
      for (const { member } of await kv.zrange(userKey(userId))) {
        const record = await read(member);
        if (record !== null && record.userId === userId) records.push(record);
      }
      return records;
    },
    async update(id, patch) {
      const record = await read(id);
      if (record === null) return;
      const next = applyApiKeyPatch(record, patch);
      if (next.keyPrefix !== record.keyPrefix) {
        await kv.set(prefixKey(next.keyPrefix), id);
        await kv.delete(prefixKey(record.keyPrefix));
      }
      await write(id, next);
    },
  };
}

function serialize(record: ApiKeyRecord): string {
  const time = (date: Date | null | undefined) => (date == null ? null : date.getTime());
  const stored: StoredRecord = {
    userId: record.userId,
    name: record.name,
    keyHash: record.keyHash,
    keyPrefix: record.keyPrefix,
    createdAt: record.createdAt.getTime(),
    scopes: record.scopes ?? null,
    expiresAt: time(record.expiresAt),
    lastUsedAt: time(record.lastUsedAt),
    revokedAt: time(record.revokedAt),
  };
  return JSON.stringify(stored);
}

function parse(id: string, raw: string): ApiKeyRecord | null {
  let stored: Partial<StoredRecord>;
  try {
    stored = JSON.parse(raw) as Partial<StoredRecord>;
  } catch {
    return null;
  }
  const { userId, name, keyHash, keyPrefix, createdAt } = stored;
  if (
    typeof userId !== "string" ||
    typeof name !== "string" ||
    typeof keyHash !== "string" ||
    typeof keyPrefix !== "string"
  )
    return null;
  if (typeof createdAt !== "number") return null;
  const date = (value: unknown) => (typeof value === "number" ? new Date(value) : null);
  return copyApiKeyRecord({
    id,
    userId,
    name,
    keyHash,
    keyPrefix,
    createdAt: new Date(createdAt),
    scopes: Array.isArray(stored.scopes)
      ? stored.scopes.filter((scope): scope is string => typeof scope === "string")
      : null,
    expiresAt: date(stored.expiresAt),
    lastUsedAt: date(stored.lastUsedAt),
    revokedAt: date(stored.revokedAt),
  });
}
