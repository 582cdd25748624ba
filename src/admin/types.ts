/** The admin UI's options and the few contracts it is built against (users, audit, logs). */
import type { Context } from "hono";
import type { CovaraEnv, CovaraUser } from "../kernel/http";

/**
 * How the admin UI reaches the app's users: the target of an impersonation, the auth view's user
 * list, their sessions and API keys. Each member is optional; the views it feeds say so when absent.
 */
export interface AdminUserManager {
  /** The user with this id, or null: what `x-covara-impersonate: <userId>` resolves. */
  getUser(id: string): Promise<CovaraUser | null>;
  /** A page of users for the auth view. */
  listUsers?(options: { limit: number; offset: number }): Promise<CovaraUser[]>;
  /** The user's live sessions and how to end one (a `SessionStore` from covara/auth fits). */
  sessions?: {
    listByUser(userId: string): Promise<Array<{ id: string; createdAt: Date; expiresAt: Date }>>;
    delete(id: string): Promise<void>;
  };
  /** The user's API keys and how to revoke one (an `ApiKeyService` from covara/auth fits). */
  apiKeys?: {
    list(
      userId: string,
    ): Promise<Array<{ id: string; name: string; createdAt: Date; revokedAt?: Date | null; lastUsedAt?: Date | null }>>;
    revoke(id: string): Promise<boolean>;
  };
}

/** One admin action, as the audit log records it. */
export interface AdminAuditEntry {
  /** What was done: `api_explorer_execute`, `impersonate_execute`, `data_explorer_list`, `row_create`, ... */
  action: string;
  /** The real admin's id (a user id, or `apikey:<tag>` for an admin API key). */
  adminId: string;
  /** The impersonated user's id, when the action ran as someone else. */
  impersonatedId?: string;
  /** The request it concerned: method and path. */
  method?: string;
  path?: string;
  /** Anything else worth keeping (the resource, the row id, the task id). */
  detail?: Record<string, unknown>;
  /** Epoch ms. */
  at: number;
}

/** Where audit entries go: the app's observability log by default, or an in-memory ring (`createMemoryAuditStore`). */
export interface AdminAuditStore {
  /** Records one entry; must not throw (a failing sink never fails the admin's request). */
  append(entry: AdminAuditEntry): void | Promise<void>;
  /** The newest entries first, at most `limit`. */
  recent(limit: number): Promise<AdminAuditEntry[]>;
}

/** A request the app served, as the request log shows it. */
export interface AdminRequestLine {
  time: number;
  method: string;
  path: string;
  route?: string;
  status: number;
  durationMs: number;
  userId?: string;
}

/** A failure the app survived, as the error log shows it. */
export interface AdminErrorLine {
  time: number;
  message: string;
  code?: string;
  status?: number;
  method?: string;
  path?: string;
}

/** A recorded measurement (a gauge, a counter's value), as the metrics view lists it. */
export interface AdminMetricLine {
  time: number;
  name: string;
  value: number;
  labels?: Record<string, string>;
}

/** Where the request/error logs and metrics views read from: the app's observability log. */
export interface AdminLogSource {
  requests(limit: number): Promise<AdminRequestLine[]>;
  errors(limit: number): Promise<AdminErrorLine[]>;
  /** Recorded measurements, newest first. */
  metrics?(limit: number): Promise<AdminMetricLine[]>;
}

/** Options of the admin UI (`createCovara({ admin })`). */
export interface AdminOptions {
  /**
   * Who is an admin: by default a session user whose `role` is, or whose `roles` include, one of
   * `roles`. Replace the check with your own; it sees the real user, never an impersonated one.
   */
  isAdmin?: (user: CovaraUser, c: Context<CovaraEnv>) => boolean | Promise<boolean>;
  /** @default ["admin"] */
  roles?: readonly string[];
  /** Admin API keys, accepted in the `x-covara-admin-key` header (compared in constant time). */
  apiKeys?: readonly string[];
  /** Resolves impersonation targets and feeds the auth view. */
  userManager?: AdminUserManager;
  /** Where the request/error log and metrics views read (default: the app's observability log). */
  logs?: AdminLogSource;
  /** Where audit entries go and are read back (default: the app's observability log, covara/observability). */
  audit?: AdminAuditStore;
  /**
   * The key CSRF tokens are derived from; give every process of one app the same one.
   * @default a random key per process
   */
  csrfSecret?: string;
}
