/** API key records in a SQL table (auth_api_keys, or your own through defineInternalSchema). */
import { eq, sql } from "drizzle-orm";
import { builtInInternalTable, detectDialect, type DrizzleDatabase, type ResolvedInternalTable } from "../../db";
import type { ApiKeyRecord, ApiKeyStore } from "../types";
import { MappedTableAccess } from "./drizzle-columns";

export interface DrizzleApiKeyStoreOptions {
  db: DrizzleDatabase;
  /** The table to use: `defineInternalSchema(...).apiKeys`; default the built-in auth_api_keys. */
  resolver?: ResolvedInternalTable<"apiKeys">;
}

type ApiKeyKey = keyof ApiKeyRecord;

/** Creates an ApiKeyStore over a Drizzle table. */
export function createDrizzleApiKeyStore(options: DrizzleApiKeyStoreOptions): ApiKeyStore {
  const dialect = detectDialect(options.db);
  const resolver = options.resolver ?? builtInInternalTable("apiKeys", dialect);
  if (resolver.dialect !== dialect) {
    throw new Error(
      `createDrizzleApiKeyStore: the resolver is for "${resolver.dialect}" but the database is "${dialect}"`,
    );
  }
  const access = new MappedTableAccess<ApiKeyKey>(options.db, {
    table: resolver.table,
    columns: resolver.columns,
    types: {
      id: "string",
      userId: "string",
      name: "string",
      keyHash: "string",
      keyPrefix: "string",
      createdAt: "date",
      scopes: "stringArray",
      expiresAt: "date",
      lastUsedAt: "date",
      revokedAt: "date",
    },
  });

  // Verification looks a key up by prefix on every request: prepare both lookups once.
  const byKey = {
    id: access.prepareSelect(eq(access.column("id"), sql.placeholder("value")), { value: "id" }),
    keyPrefix: access.prepareSelect(eq(access.column("keyPrefix"), sql.placeholder("value")), { value: "keyPrefix" }),
  };

  async function findOne(key: "id" | "keyPrefix", value: string): Promise<ApiKeyRecord | null> {
    if (typeof value !== "string") return null;
    const [row] = await byKey[key]({ value });
    return row === undefined ? null : toRecord(row);
  }

  return {
    async insert(record) {
      await access.insert({ ...record, scopes: record.scopes ?? null });
    },
    findByPrefix: (keyPrefix) => findOne("keyPrefix", keyPrefix),
    findById: (id) => findOne("id", id),
    async listByUser(userId) {
      const rows = await access.select(eq(access.column("userId"), userId));
      return rows
        .map(toRecord)
        .filter((record): record is ApiKeyRecord => record !== null)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    },
    async update(id, patch) {
      await access.update(patch, eq(access.column("id"), id), "id");
    },
  };
}

function toRecord(row: Partial<Record<ApiKeyKey, unknown>>): ApiKeyRecord | null {
  const { id, userId, name, keyHash, keyPrefix, createdAt } = row;
  if (typeof id !== "string" || typeof userId !== "string" || typeof name !== "string") return null;
  if (typeof keyHash !== "string" || typeof keyPrefix !== "string" || !(createdAt instanceof Date)) return null;
  const date = (value: unknown) => (value instanceof Date ? value : null);
  return {
    id,
    userId,
    name,
    keyHash,
    keyPrefix,
    createdAt,
    scopes: Array.isArray(row.scopes) ? (row.scopes as string[]) : null,
    expiresAt: date(row.expiresAt),
    lastUsedAt: date(row.lastUsedAt),
    revokedAt: date(row.revokedAt),
  };
}
