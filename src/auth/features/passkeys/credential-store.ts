/**
 * Where passkey credentials live: the public key and signature counter of each credential, indexed
 * by credential id and by user. Memory and KV implementations; an app may supply its own.
 */
import type { KV } from "../../../kernel/kv";

/** One registered passkey. Binary values are base64url strings so any store can hold them. */
export interface PasskeyCredential {
  /** The credential id (base64url), unique across users. */
  id: string;
  userId: string;
  /** The COSE public key (base64url). */
  publicKey: string;
  /** The signature counter last seen; an assertion must report a higher one (when non-zero). */
  counter: number;
  transports: string[];
  deviceType: "singleDevice" | "multiDevice";
  backedUp: boolean;
  /** A label the user chose ("MacBook"), or null. */
  name: string | null;
  createdAt: number;
  lastUsedAt: number | null;
}

/** Persistence of passkey credentials. */
export interface PasskeyStore {
  /** Adds a credential; false when its id is already registered. */
  create(credential: PasskeyCredential): Promise<boolean>;
  get(id: string): Promise<PasskeyCredential | null>;
  listByUser(userId: string): Promise<PasskeyCredential[]>;
  /** Records a successful assertion: the new counter and when it happened. */
  recordUse(id: string, counter: number, usedAt: number): Promise<void>;
  delete(id: string): Promise<boolean>;
}

/** Creates a store that keeps credentials in this process's memory (tests, single instances). */
export function createMemoryPasskeyStore(): PasskeyStore {
  const credentials = new Map<string, PasskeyCredential>();
  return {
    async create(credential) {
      if (credentials.has(credential.id)) return false;
      credentials.set(credential.id, { ...credential });
      return true;
    },
    async get(id) {
      const found = credentials.get(id);
      return found ? { ...found } : null;
    },
    async listByUser(userId) {
      return [...credentials.values()]
        .filter((credential) => credential.userId === userId)
        .map((credential) => ({ ...credential }));
    },
    async recordUse(id, counter, usedAt) {
      const found = credentials.get(id);
      if (found) credentials.set(id, { ...found, counter, lastUsedAt: usedAt });
    },
    async delete(id) {
      return credentials.delete(id);
    },
  };
}

/** Creates a store over a KV (memory or Redis): one JSON key per credential, a sorted set per user. */
export function createKVPasskeyStore(kv: KV, options: { prefix?: string } = {}): PasskeyStore {
  const prefix = options.prefix ?? "auth:passkey:";
  const credentialKey = (id: string) => `${prefix}cred:${id}`;
  const userKey = (userId: string) => `${prefix}user:${userId}`;

  async function get(id: string): Promise<PasskeyCredential | null> {
    const raw = await kv.get(credentialKey(id));
    return raw === null ? null : (JSON.parse(raw) as PasskeyCredential);
  }

  return {
    async create(credential) {
      // SET NX makes registering the same credential id twice fail, even across instances.
      const created = await kv.set(credentialKey(credential.id), JSON.stringify(credential), { ifNotExists: true });
      if (created) await kv.zadd(userKey(credential.userId), credential.id, credential.createdAt);
      return created;
    },
    get,
    async listByUser(userId) {
      const ids = await kv.zrange(userKey(userId));
      const found = await Promise.all(ids.map((entry) => get(entry.member)));
      return found.filter((credential): credential is PasskeyCredential => credential !== null);
    },
    async recordUse(id, counter, usedAt) {
      const found = await get(id);
      if (found) await kv.set(credentialKey(id), JSON.stringify({ ...found, counter, lastUsedAt: usedAt }));
    },
    async delete(id) {
      const found = await get(id);
      if (found === null) return false;
      await kv.zrem(userKey(found.userId), id);
      return kv.delete(credentialKey(id));
    },
  };
}
