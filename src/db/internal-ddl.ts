/**
 * The canonical DDL of the built-in auth tables, frozen as text: `migrateInternal` without a schema
 * runs exactly these statements, so upgrading covara never changes what it creates. A test keeps
 * them in step with the Drizzle definitions in internal-tables.ts.
 */
import type { Dialect } from "../kernel/dialect";

const SQLITE: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS "auth_sessions" (
  "id" text PRIMARY KEY NOT NULL,
  "user_id" text NOT NULL,
  "created_at" integer NOT NULL,
  "expires_at" integer NOT NULL,
  "data" text
)`,
  `CREATE INDEX IF NOT EXISTS "auth_sessions_user_id_idx" ON "auth_sessions" ("user_id")`,
  `CREATE INDEX IF NOT EXISTS "auth_sessions_expires_at_idx" ON "auth_sessions" ("expires_at")`,
  `CREATE TABLE IF NOT EXISTS "auth_accounts" (
  "user_id" text NOT NULL,
  "type" text NOT NULL,
  "provider" text NOT NULL,
  "provider_account_id" text NOT NULL,
  "refresh_token" text,
  "access_token" text,
  "expires_at" integer,
  "token_type" text,
  "scope" text,
  "id_token" text,
  "session_state" text,
  CONSTRAINT "auth_accounts_pk" PRIMARY KEY ("provider", "provider_account_id")
)`,
  `CREATE INDEX IF NOT EXISTS "auth_accounts_user_id_idx" ON "auth_accounts" ("user_id")`,
  `CREATE TABLE IF NOT EXISTS "auth_api_keys" (
  "id" text PRIMARY KEY NOT NULL,
  "user_id" text NOT NULL,
  "name" text NOT NULL,
  "key_hash" text NOT NULL,
  "key_prefix" text NOT NULL,
  "scopes" text,
  "created_at" integer NOT NULL,
  "expires_at" integer,
  "last_used_at" integer,
  "revoked_at" integer
)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS "auth_api_keys_key_prefix_idx" ON "auth_api_keys" ("key_prefix")`,
  `CREATE INDEX IF NOT EXISTS "auth_api_keys_user_id_idx" ON "auth_api_keys" ("user_id")`,
  `CREATE TABLE IF NOT EXISTS "auth_verification_tokens" (
  "identifier" text NOT NULL,
  "token" text NOT NULL,
  "expires" integer NOT NULL,
  CONSTRAINT "auth_verification_tokens_pk" PRIMARY KEY ("identifier", "token")
)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS "auth_verification_tokens_token_idx" ON "auth_verification_tokens" ("token")`,
];

const PG: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS "auth_sessions" (
  "id" text PRIMARY KEY NOT NULL,
  "user_id" text NOT NULL,
  "created_at" timestamp with time zone NOT NULL,
  "expires_at" timestamp with time zone NOT NULL,
  "data" jsonb
)`,
  `CREATE INDEX IF NOT EXISTS "auth_sessions_user_id_idx" ON "auth_sessions" ("user_id")`,
  `CREATE INDEX IF NOT EXISTS "auth_sessions_expires_at_idx" ON "auth_sessions" ("expires_at")`,
  `CREATE TABLE IF NOT EXISTS "auth_accounts" (
  "user_id" text NOT NULL,
  "type" text NOT NULL,
  "provider" text NOT NULL,
  "provider_account_id" text NOT NULL,
  "refresh_token" text,
  "access_token" text,
  "expires_at" integer,
  "token_type" text,
  "scope" text,
  "id_token" text,
  "session_state" text,
  CONSTRAINT "auth_accounts_pk" PRIMARY KEY ("provider", "provider_account_id")
)`,
  `CREATE INDEX IF NOT EXISTS "auth_accounts_user_id_idx" ON "auth_accounts" ("user_id")`,
  `CREATE TABLE IF NOT EXISTS "auth_api_keys" (
  "id" text PRIMARY KEY NOT NULL,
  "user_id" text NOT NULL,
  "name" text NOT NULL,
  "key_hash" text NOT NULL,
  "key_prefix" text NOT NULL,
  "scopes" jsonb,
  "created_at" timestamp with time zone NOT NULL,
  "expires_at" timestamp with time zone,
  "last_used_at" timestamp with time zone,
  "revoked_at" timestamp with time zone
)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS "auth_api_keys_key_prefix_idx" ON "auth_api_keys" ("key_prefix")`,
  `CREATE INDEX IF NOT EXISTS "auth_api_keys_user_id_idx" ON "auth_api_keys" ("user_id")`,
  `CREATE TABLE IF NOT EXISTS "auth_verification_tokens" (
  "identifier" text NOT NULL,
  "token" text NOT NULL,
  "expires" timestamp with time zone NOT NULL,
  CONSTRAINT "auth_verification_tokens_pk" PRIMARY KEY ("identifier", "token")
)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS "auth_verification_tokens_token_idx" ON "auth_verification_tokens" ("token")`,
];

/** The canonical statements for one dialect, in the order they run. */
export function canonicalInternalDdl(dialect: Dialect): readonly string[] {
  return dialect === "pg" ? PG : SQLITE;
}
