/**
 * Verification tokens in a SQL table (auth_verification_tokens, or your own through
 * defineInternalSchema). The `token` column holds a purpose-bound digest, never the token. Consume
 * is one DELETE ... RETURNING: the database lets exactly one of two concurrent consumes have the row.
 */
import { eq, lte } from "drizzle-orm";
import { builtInInternalTable, detectDialect, type DrizzleDatabase, type ResolvedInternalTable } from "../../db";
import type { VerificationPurpose, VerificationTokenStore } from "../types";
import { MappedTableAccess } from "./drizzle-columns";
import { randomSecret, VERIFICATION_TOKEN_PATTERN, verificationTokenDigest } from "./secrets";
import { assertTokenRequest } from "./verification-token-rules";

export interface DrizzleVerificationTokenStoreOptions {
  db: DrizzleDatabase;
  /** The table to use: `defineInternalSchema(...).verificationTokens`; default the built-in table. */
  resolver?: ResolvedInternalTable<"verificationTokens">;
}

/** A VerificationTokenStore with the maintenance call a SQL table needs. */
export interface DrizzleVerificationTokenStore extends VerificationTokenStore {
  /** Deletes every expired token; returns how many were removed. */
  deleteExpired(): Promise<number>;
}

type TokenKey = "identifier" | "token" | "expires";

/** Creates a VerificationTokenStore over a Drizzle table. */
export function createDrizzleVerificationTokenStore(
  options: DrizzleVerificationTokenStoreOptions,
): DrizzleVerificationTokenStore {
  const dialect = detectDialect(options.db);
  const resolver = options.resolver ?? builtInInternalTable("verificationTokens", dialect);
  if (resolver.dialect !== dialect) {
    throw new Error(
      `createDrizzleVerificationTokenStore: the resolver is for "${resolver.dialect}" but the database is "${dialect}"`,
    );
  }
  const access = new MappedTableAccess<TokenKey>(options.db, {
    table: resolver.table,
    columns: resolver.columns,
    types: { identifier: "string", token: "string", expires: "date" },
  });

  return {
    async create(identifier: string, purpose: VerificationPurpose, ttlMs: number) {
      assertTokenRequest(identifier, purpose, ttlMs);
      const token = randomSecret();
      await access.insert({
        identifier,
        token: await verificationTokenDigest(token, purpose),
        expires: new Date(Date.now() + ttlMs),
      });
      return token;
    },
    async consume(token: string, purpose: VerificationPurpose) {
      if (typeof token !== "string" || !VERIFICATION_TOKEN_PATTERN.test(token)) return null;
      const digest = await verificationTokenDigest(token, purpose);
      const [row] = await access.delete(eq(access.column("token"), digest));
      if (row === undefined) return null;
      const expires = row.expires;
      if (!(expires instanceof Date) || expires.getTime() <= Date.now()) return null;
      return typeof row.identifier === "string" ? row.identifier : null;
    },
    async deleteExpired() {
      return (await access.delete(lte(access.column("expires"), access.encode("expires", new Date())))).length;
    },
  };
}
