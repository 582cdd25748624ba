/**
 * The framework-owned auth tables (auth_sessions, auth_accounts, auth_api_keys,
 * auth_verification_tokens) as Drizzle tables for SQLite and Postgres. Their canonical DDL lives in
 * internal-ddl.ts; these definitions are what stores query and what defineInternalSchema falls back
 * to when a table is not overridden.
 */
import {
  index as pgIndex,
  integer as pgInteger,
  jsonb,
  pgTable,
  primaryKey as pgPrimaryKey,
  text as pgText,
  timestamp,
  uniqueIndex as pgUniqueIndex,
} from "drizzle-orm/pg-core";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** auth_sessions on SQLite: times are epoch milliseconds, data is JSON text. */
export const authSessionsSqlite = sqliteTable(
  "auth_sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [index("auth_sessions_user_id_idx").on(t.userId), index("auth_sessions_expires_at_idx").on(t.expiresAt)],
);

/** auth_accounts on SQLite: linked OAuth/OIDC accounts, compound key (provider, providerAccountId). */
export const authAccountsSqlite = sqliteTable(
  "auth_accounts",
  {
    userId: text("user_id").notNull(),
    type: text("type").notNull(),
    provider: text("provider").notNull(),
    providerAccountId: text("provider_account_id").notNull(),
    refresh_token: text("refresh_token"),
    access_token: text("access_token"),
    expires_at: integer("expires_at"),
    token_type: text("token_type"),
    scope: text("scope"),
    id_token: text("id_token"),
    session_state: text("session_state"),
  },
  (t) => [
    primaryKey({ name: "auth_accounts_pk", columns: [t.provider, t.providerAccountId] }),
    index("auth_accounts_user_id_idx").on(t.userId),
  ],
);

/** auth_api_keys on SQLite: only the key's hash and its public prefix are stored. */
export const authApiKeysSqlite = sqliteTable(
  "auth_api_keys",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull(),
    keyPrefix: text("key_prefix").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("auth_api_keys_key_prefix_idx").on(t.keyPrefix), index("auth_api_keys_user_id_idx").on(t.userId)],
);

/** auth_verification_tokens on SQLite: compound key (identifier, token); `token` holds a digest. */
export const authVerificationTokensSqlite = sqliteTable(
  "auth_verification_tokens",
  {
    identifier: text("identifier").notNull(),
    token: text("token").notNull(),
    expires: integer("expires", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    primaryKey({ name: "auth_verification_tokens_pk", columns: [t.identifier, t.token] }),
    uniqueIndex("auth_verification_tokens_token_idx").on(t.token),
  ],
);

/** auth_sessions on Postgres. */
export const authSessionsPg = pgTable(
  "auth_sessions",
  {
    id: pgText("id").primaryKey(),
    userId: pgText("user_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    data: jsonb("data").$type<Record<string, unknown>>(),
  },
  (t) => [pgIndex("auth_sessions_user_id_idx").on(t.userId), pgIndex("auth_sessions_expires_at_idx").on(t.expiresAt)],
);

/** auth_accounts on Postgres. */
export const authAccountsPg = pgTable(
  "auth_accounts",
  {
    userId: pgText("user_id").notNull(),
    type: pgText("type").notNull(),
    provider: pgText("provider").notNull(),
    providerAccountId: pgText("provider_account_id").notNull(),
    refresh_token: pgText("refresh_token"),
    access_token: pgText("access_token"),
    expires_at: pgInteger("expires_at"),
    token_type: pgText("token_type"),
    scope: pgText("scope"),
    id_token: pgText("id_token"),
    session_state: pgText("session_state"),
  },
  (t) => [
    pgPrimaryKey({ name: "auth_accounts_pk", columns: [t.provider, t.providerAccountId] }),
    pgIndex("auth_accounts_user_id_idx").on(t.userId),
  ],
);

/** auth_api_keys on Postgres. */
export const authApiKeysPg = pgTable(
  "auth_api_keys",
  {
    id: pgText("id").primaryKey(),
    userId: pgText("user_id").notNull(),
    name: pgText("name").notNull(),
    keyHash: pgText("key_hash").notNull(),
    keyPrefix: pgText("key_prefix").notNull(),
    scopes: jsonb("scopes").$type<string[]>(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    pgUniqueIndex("auth_api_keys_key_prefix_idx").on(t.keyPrefix),
    pgIndex("auth_api_keys_user_id_idx").on(t.userId),
  ],
);

/** auth_verification_tokens on Postgres. */
export const authVerificationTokensPg = pgTable(
  "auth_verification_tokens",
  {
    identifier: pgText("identifier").notNull(),
    token: pgText("token").notNull(),
    expires: timestamp("expires", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [
    pgPrimaryKey({ name: "auth_verification_tokens_pk", columns: [t.identifier, t.token] }),
    pgUniqueIndex("auth_verification_tokens_token_idx").on(t.token),
  ],
);

// The unsuffixed names are the SQLite tables: SQLite (better-sqlite3) is the embedded default.
/** auth_sessions for the default dialect (SQLite); use authSessionsPg on Postgres. */
export const authSessions = authSessionsSqlite;
/** auth_accounts for the default dialect (SQLite); use authAccountsPg on Postgres. */
export const authAccounts = authAccountsSqlite;
/** auth_api_keys for the default dialect (SQLite); use authApiKeysPg on Postgres. */
export const authApiKeys = authApiKeysSqlite;
/** auth_verification_tokens for the default dialect (SQLite); use authVerificationTokensPg on Postgres. */
export const authVerificationTokens = authVerificationTokensSqlite;

/** The built-in tables of one dialect, by logical name. */
export const builtInTables = {
  sqlite: {
    sessions: authSessionsSqlite,
    accounts: authAccountsSqlite,
    apiKeys: authApiKeysSqlite,
    verificationTokens: authVerificationTokensSqlite,
  },
  pg: {
    sessions: authSessionsPg,
    accounts: authAccountsPg,
    apiKeys: authApiKeysPg,
    verificationTokens: authVerificationTokensPg,
  },
} as const;
