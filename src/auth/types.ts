/**
 * The contracts every part of covara/auth is built against: the user the app supplies, session
 * stores, verification tokens, API keys, session strategies, and the kit that opt-in features
 * (MFA, passkeys, magic links, verification, reset, social login) use to mount routes and sign
 * users in. Implementations live in their own files; this file holds only shapes.
 */
import type { Context, Hono } from "hono";
import type { KV } from "../kernel/kv";
import type { Logger } from "../kernel/logger";
import type { CovaraEnv, CovaraUser } from "../kernel/http";

/** The user the app supplies through its callbacks (internal-tables.md: Users). */
export interface AuthUser extends CovaraUser {
  id: string;
  email?: string | null;
  name?: string | null;
  image?: string | null;
  emailVerified?: Date | null;
  metadata?: Record<string, unknown>;
}

/** One server-side session, in logical keys (remapping to columns happens only at the SQL boundary). */
export interface SessionData {
  id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  /** Free-form JSON: activity metadata (ip, userAgent, lastActiveAt), MFA state, ... */
  data?: Record<string, unknown> | null;
}

/** Where sessions live: memory, KV (memory or Redis), or a Drizzle table. */
export interface SessionStore {
  create(session: SessionData): Promise<void>;
  /** The session, or null when it does not exist or has expired. */
  get(id: string): Promise<SessionData | null>;
  /** Changes expiry and/or data of an existing session; false when it does not exist. */
  update(id: string, patch: Partial<Pick<SessionData, "expiresAt" | "data">>): Promise<boolean>;
  delete(id: string): Promise<void>;
  /** Every live session of one user (through a per-user index, never a scan). */
  listByUser(userId: string): Promise<SessionData[]>;
  /** Deletes every session of one user; returns how many were deleted. */
  deleteByUser(userId: string): Promise<number>;
}

/** Purpose of a single-use verification token. */
export type VerificationPurpose = "magic-link" | "email-verification" | "password-reset" | (string & {});

/** Single-use, expiring tokens (auth_verification_tokens). Only a hash of the token is stored. */
export interface VerificationTokenStore {
  /** Creates a token for `identifier` (usually an email) and returns the raw token, once. */
  create(identifier: string, purpose: VerificationPurpose, ttlMs: number): Promise<string>;
  /**
   * Consumes a token: returns its identifier when the token exists for that purpose and has not
   * expired, and deletes it so a second use fails; null otherwise.
   */
  consume(token: string, purpose: VerificationPurpose): Promise<string | null>;
}

export interface ApiKeyRecord {
  id: string;
  userId: string;
  name: string;
  keyHash: string;
  keyPrefix: string;
  createdAt: Date;
  scopes?: string[] | null;
  expiresAt?: Date | null;
  lastUsedAt?: Date | null;
  revokedAt?: Date | null;
}

/** Persistence of API keys (auth_api_keys); the service on top hashes, verifies and rotates. */
export interface ApiKeyStore {
  insert(record: ApiKeyRecord): Promise<void>;
  findByPrefix(keyPrefix: string): Promise<ApiKeyRecord | null>;
  findById(id: string): Promise<ApiKeyRecord | null>;
  listByUser(userId: string): Promise<ApiKeyRecord[]>;
  update(id: string, patch: Partial<Omit<ApiKeyRecord, "id" | "userId">>): Promise<void>;
}

/** What a strategy hands back when it authenticated a request. */
export interface AuthenticatedRequest {
  user: AuthUser;
  /** The server-side session, when the strategy has one. */
  session?: SessionData;
  /** Without a server-side session: the id the strategy revokes by (a bearer token's refresh family). */
  sessionId?: string;
}

/**
 * A session strategy: how a signed-in user is carried between requests (cookie session, JWT
 * bearer + refresh cookie, ...). Credentials never issue sessions themselves; they call `issue`.
 */
export interface SessionStrategy {
  readonly name: string;
  /** Signs `user` in: rotates any prior session, sets cookies/tokens on `c`, returns the JSON body. */
  issue(c: Context<CovaraEnv>, user: AuthUser): Promise<Record<string, unknown>>;
  /** Authenticates a request; null when it carries no valid credentials. */
  authenticate(c: Context<CovaraEnv>): Promise<AuthenticatedRequest | null>;
  /** Ends the request's session (logout). */
  revoke(c: Context<CovaraEnv>): Promise<void>;
  /** Ends every session of a user (logout everywhere, password reset). */
  revokeAll(userId: string): Promise<void>;
  /** Extra routes the strategy needs (e.g. POST /refresh), mounted on the auth router. */
  mount?(router: Hono<CovaraEnv>): void;
  /** Called once by `useAuth` before first use: how to load users and read the client IP. */
  bind?(context: StrategyContext): void;
}

/** What `useAuth` hands a strategy: the app's users and the trusted-proxy-aware client IP. */
export interface StrategyContext {
  /** The KV `useAuth` was given (default stores: sessions, refresh-token families). */
  kv: KV;
  users: UserDirectory;
  clientIp(c: Context<CovaraEnv>): string;
  /** Counts an attempt against a throttle key (e.g. `refresh:<userId>`); 429 past the limit. */
  throttle(c: Context<CovaraEnv>, key: string): Promise<void>;
}

/** An email the auth flows ask the app to deliver (magic links, verification, reset). */
export interface AuthEmail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Which flow sent it, for templates and tests. */
  kind: VerificationPurpose;
  /** The link the email carries, when it carries one. */
  url?: string;
}

/** The app's users, reached only through callbacks (covara never owns a users table). */
export interface UserDirectory {
  getById(id: string): Promise<AuthUser | null>;
  findByEmail?(email: string): Promise<AuthUser | null>;
  /** Creates a user for passwordless or social sign-up; absent means those flows only sign in existing users. */
  createUser?(input: { email: string; name?: string | null; emailVerified?: Date | null }): Promise<AuthUser>;
  /** The stored password hash of a user, or null; enables the built-in email+password login. */
  getPasswordHash?(userId: string): Promise<string | null>;
  /** Stores a new password hash (password reset). */
  setPasswordHash?(userId: string, hash: string): Promise<void>;
  markEmailVerified?(userId: string): Promise<void>;
}

/** What opt-in features receive from `useAuth` to do their work. */
export interface AuthKit {
  kv: KV;
  users: UserDirectory;
  tokens: VerificationTokenStore;
  strategy: SessionStrategy;
  /**
   * Where features report failures that never reach a response (a detached email delivery).
   * @default the default context's logger
   */
  logger?: Logger;
  /**
   * Signs a user in after a credential succeeded: runs every feature's `beforeSignIn` (an MFA
   * challenge may answer instead), then the strategy's `issue`. Returns the response to send.
   */
  signIn(c: Context<CovaraEnv>, user: AuthUser, method: string): Promise<Response>;
  /** Issues the session directly, skipping `beforeSignIn` (used once a second factor passed). */
  completeSignIn(c: Context<CovaraEnv>, user: AuthUser, method: string): Promise<Response>;
  /** Delivers an email through the app's `sendEmail` option. */
  sendEmail(email: AuthEmail): Promise<void>;
  /** Counts an attempt against a throttle key; throws a 429 problem past the limit. */
  throttle(c: Context<CovaraEnv>, key: string): Promise<void>;
  /** The client IP, honouring the trusted-proxy configuration. */
  clientIp(c: Context<CovaraEnv>): string;
  /** Absolute URL for a path on the auth router (for links in emails). */
  url(c: Context<CovaraEnv>, path: string): string;
}

/** An opt-in auth feature: mounts its routes and may intercept sign-in. */
export interface AuthFeature {
  readonly name: string;
  mount(router: Hono<CovaraEnv>, kit: AuthKit): void;
  /**
   * Runs after a primary credential succeeded and before a session is issued; a returned
   * Response is sent instead of issuing (e.g. `{ mfaRequired: true, mfaToken }`).
   */
  beforeSignIn?(c: Context<CovaraEnv>, user: AuthUser, method: string, kit: AuthKit): Promise<Response | undefined>;
}
