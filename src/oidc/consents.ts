/**
 * What each user has agreed to share with each client. One KV record per user maps client ids to
 * the granted scopes and an expiry (`security.consent.ttlSeconds`, default one year), so
 * revoking one client or all of them is a single write.
 */
import type { KV } from "../kernel/kv";
import { readRecord, writeRecord } from "./kv-records";

interface ConsentEntry {
  scopes: string[];
  expiresAt: number;
}

type ConsentRecord = Record<string, ConsentEntry>;

export interface ConsentStore {
  /** True when the user consented to every one of `scopes` for the client and that consent is current. */
  covers(sub: string, clientId: string, scopes: readonly string[]): Promise<boolean>;
  /** Records consent to `scopes` (added to earlier ones) for a fresh TTL. */
  grant(sub: string, clientId: string, scopes: readonly string[]): Promise<void>;
  /** Clears consent for one client, or for every client without one; returns the client ids cleared. */
  revoke(sub: string, clientId?: string): Promise<string[]>;
  /** The clients the user currently consents to, with their scopes. */
  list(sub: string): Promise<Array<{ clientId: string; scopes: string[]; expiresAt: number }>>;
}

export function createConsentStore(kv: KV, prefix: string, ttlSeconds: number): ConsentStore {
  const key = (sub: string) => `${prefix}consent:${sub}`;

  async function current(sub: string): Promise<ConsentRecord> {
    const record = (await readRecord<ConsentRecord>(kv, key(sub))) ?? {};
    const now = Date.now();
    for (const [clientId, entry] of Object.entries(record)) if (entry.expiresAt <= now) delete record[clientId];
    return record;
  }

  async function save(sub: string, record: ConsentRecord): Promise<void> {
    const expiries = Object.values(record).map((entry) => entry.expiresAt);
    if (expiries.length === 0) await kv.delete(key(sub));
    else await writeRecord(kv, key(sub), record, Math.max(...expiries) - Date.now());
  }

  return {
    async covers(sub, clientId, scopes) {
      const entry = (await current(sub))[clientId];
      return entry !== undefined && scopes.every((scope) => entry.scopes.includes(scope));
    },
    async grant(sub, clientId, scopes) {
      const record = await current(sub);
      const earlier = record[clientId]?.scopes ?? [];
      record[clientId] = { scopes: [...new Set([...earlier, ...scopes])], expiresAt: Date.now() + ttlSeconds * 1000 };
      await save(sub, record);
    },
    async revoke(sub, clientId) {
      const record = await current(sub);
      const cleared = clientId === undefined ? Object.keys(record) : clientId in record ? [clientId] : [];
      for (const id of cleared) delete record[id];
      await save(sub, record);
      return cleared;
    },
    async list(sub) {
      return Object.entries(await current(sub)).map(([clientId, entry]) => ({ clientId, ...entry }));
    },
  };
}
