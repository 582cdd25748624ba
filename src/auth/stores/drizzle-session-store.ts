/**
 * Sessions in a SQL table (auth_sessions, or your own table through defineInternalSchema). The
 * SessionData the app sees stays in logical keys; column names appear only at the SQL boundary.
 */
import { and, eq, gt, lte, sql } from "drizzle-orm";
import { builtInInternalTable, detectDialect, type DrizzleDatabase, type ResolvedInternalTable } from "../../db";
import type { SessionData, SessionStore } from "../types";
import { MappedTableAccess } from "./drizzle-columns";
import { assertStorableSession } from "./session-data";

export interface DrizzleSessionStoreOptions {
  /** A Drizzle SQLite or Postgres database. */
  db: DrizzleDatabase;
  /** The sessions table to use: `defineInternalSchema(...).sessions`; default the built-in auth_sessions. */
  resolver?: ResolvedInternalTable<"sessions">;
}

/** A SessionStore with the extra maintenance call only a SQL table needs. */
export interface DrizzleSessionStore extends SessionStore {
  /** Deletes every expired session; returns how many were removed. */
  deleteExpired(): Promise<number>;
}

type SessionKey = "id" | "userId" | "createdAt" | "expiresAt" | "data";

/** Creates a SessionStore over a Drizzle table; the per-user index is the table's userId index. */
export function createDrizzleSessionStore(options: DrizzleSessionStoreOptions): DrizzleSessionStore {
  const dialect = detectDialect(options.db);
  const resolver = options.resolver ?? builtInInternalTable("sessions", dialect);
  if (resolver.dialect !== dialect) {
    throw new Error(
      `createDrizzleSessionStore: the resolver is for "${resolver.dialect}" but the database is "${dialect}"`,
    );
  }
  const access = new MappedTableAccess<SessionKey>(options.db, {
    table: resolver.table,
    columns: resolver.columns,
    types: { id: "string", userId: "string", createdAt: "date", expiresAt: "date", data: "json" },
  });
  const notExpired = () => gt(access.column("expiresAt"), access.encode("expiresAt", new Date()));
  // The per-request lookup, prepared once: building the query would cost ten times running it.
  const selectLive = access.prepareSelect(
    and(eq(access.column("id"), sql.placeholder("id")), gt(access.column("expiresAt"), sql.placeholder("now")))!,
    { id: "id", now: "expiresAt" },
  );

  function toSession(row: Partial<Record<SessionKey, unknown>>): SessionData | null {
    const { id, userId, createdAt, expiresAt } = row;
    if (
      typeof id !== "string" ||
      typeof userId !== "string" ||
      !(createdAt instanceof Date) ||
      !(expiresAt instanceof Date)
    )
      return null;
    const session: SessionData = { id, userId, createdAt, expiresAt };
    if (access.has("data")) session.data = (row.data as Record<string, unknown> | null) ?? null;
    return session;
  }

  return {
    async create(session) {
      assertStorableSession(session);
      await access.insert({ ...session, data: session.data ?? null });
    },
    async get(id) {
      if (typeof id !== "string") return null;
      const rows = await selectLive({ id, now: new Date() });
      return rows[0] === undefined ? null : toSession(rows[0]);
    },
    async update(id, patch) {
      if (
        patch.expiresAt !== undefined &&
        (!(patch.expiresAt instanceof Date) || Number.isNaN(patch.expiresAt.getTime()))
      ) {
        throw new TypeError("session store: expiresAt must be a valid Date");
      }
      const values: Partial<Record<SessionKey, unknown>> = {};
      if (patch.expiresAt !== undefined) values.expiresAt = patch.expiresAt;
      if (patch.data !== undefined) values.data = patch.data;
      // One UPDATE guarded by id and expiry: a concurrent delete can never be undone by it.
      return (await access.update(values, and(eq(access.column("id"), id), notExpired()), "id")) > 0;
    },
    async delete(id) {
      await access.delete(eq(access.column("id"), id));
    },
    async listByUser(userId) {
      const rows = await access.select(and(eq(access.column("userId"), userId), notExpired()));
      return rows.map(toSession).filter((session): session is SessionData => session !== null);
    },
    async deleteByUser(userId) {
      const rows = await access.delete(eq(access.column("userId"), userId));
      const now = Date.now();
      return rows.filter((row) => row.expiresAt instanceof Date && row.expiresAt.getTime() > now).length;
    },
    async deleteExpired() {
      return (await access.delete(lte(access.column("expiresAt"), access.encode("expiresAt", new Date())))).length;
    },
  };
}
