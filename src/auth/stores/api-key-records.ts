/** Copying ApiKeyRecords and applying patches, shared by the API key stores. */
import type { ApiKeyRecord } from "../types";

type Patch = Partial<Omit<ApiKeyRecord, "id" | "userId">>;

const copyDate = (date: Date | null | undefined) => (date == null ? (date ?? null) : new Date(date.getTime()));

/** A deep copy, so callers never mutate what a store holds. */
export function copyApiKeyRecord(record: ApiKeyRecord): ApiKeyRecord {
  return {
    id: record.id,
    userId: record.userId,
    name: record.name,
    keyHash: record.keyHash,
    keyPrefix: record.keyPrefix,
    createdAt: new Date(record.createdAt.getTime()),
    scopes: record.scopes == null ? null : [...record.scopes],
    expiresAt: copyDate(record.expiresAt),
    lastUsedAt: copyDate(record.lastUsedAt),
    revokedAt: copyDate(record.revokedAt),
  };
}

/** The record with the defined members of `patch` applied (null clears a member). */
export function applyApiKeyPatch(record: ApiKeyRecord, patch: Patch): ApiKeyRecord {
  const next: ApiKeyRecord = { ...record };
  for (const [key, value] of Object.entries(patch) as [keyof Patch, unknown][]) {
    if (value !== undefined) Object.assign(next, { [key]: value });
  }
  return copyApiKeyRecord(next);
}
