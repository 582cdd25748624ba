/**
 * API keys: create (the raw key is returned once; only its SHA-256 and public id are stored),
 * verify in constant time with a typed failure reason, rotate, revoke, list. The raw key reads
 * `cvk_<id>.<secret>`: the id finds the record, the secret proves possession.
 */
import { ProblemError, problems, type ValidationIssue } from "../kernel/errors";
import { constantTimeEqual, randomSecret, sha256Base64Url } from "./stores/secrets";
import type { ApiKeyRecord, ApiKeyStore } from "./types";
import { publishIdentityRevoked } from "../kernel/identity-events";

/** An API key as the app may show it: everything but the hash. */
export type PublicApiKey = Omit<ApiKeyRecord, "keyHash">;

/** Why a presented key was refused. */
export type ApiKeyFailureReason = "malformed" | "not_found" | "revoked" | "expired" | "mismatch";

export type ApiKeyVerification = { ok: true; key: PublicApiKey } | { ok: false; reason: ApiKeyFailureReason };

export interface CreateApiKeyInput {
  userId: string;
  name: string;
  scopes?: string[] | null;
  /** Absolute expiry; or use `expiresInMs`. Omit both for a key that does not expire. */
  expiresAt?: Date | null;
  expiresInMs?: number;
}

/** The result of create and rotate: the raw key (shown once, never stored) and its record. */
export interface CreatedApiKey {
  key: string;
  apiKey: PublicApiKey;
}

export interface ApiKeyServiceOptions {
  store: ApiKeyStore;
  /** Text before the key id: "cvk" (default) gives `cvk_<id>.<secret>`; "" gives `<id>.<secret>`. */
  prefix?: string;
  /** lastUsedAt is persisted at most once per this many ms per key (default 60000). */
  lastUsedThrottleMs?: number;
  /** The clock (default `() => new Date()`); tests pass their own instead of sleeping. */
  now?: () => Date;
  /** Called when stamping lastUsedAt fails; verification still succeeds. */
  onError?: (error: unknown) => void;
}

export interface ApiKeyService {
  create(input: CreateApiKeyInput): Promise<CreatedApiKey>;
  verify(rawKey: string): Promise<ApiKeyVerification>;
  /** Issues a new key with the same owner, name, scopes and lifetime, and revokes the old one. */
  rotate(
    id: string,
    options?: { userId?: string; expiresAt?: Date | null; expiresInMs?: number },
  ): Promise<CreatedApiKey>;
  /** Revokes a key; false when it does not exist (or belongs to another user when `userId` is given). */
  revoke(id: string, options?: { userId?: string }): Promise<boolean>;
  list(userId: string): Promise<PublicApiKey[]>;
}

const KEY_ID_BYTES = 8;
const SECRET_BYTES = 32;
const MAX_NAME_LENGTH = 100;
const MAX_SCOPES = 50;
const MAX_SCOPE_LENGTH = 100;
const MAX_RAW_KEY_LENGTH = 200;

/** Creates the API key service over a store (memory, KV or Drizzle). */
export function createApiKeyService(options: ApiKeyServiceOptions): ApiKeyService {
  const { store } = options;
  const prefix = options.prefix ?? "cvk";
  if (!/^[A-Za-z0-9]{0,16}$/.test(prefix))
    throw new TypeError("createApiKeyService: prefix must be 0-16 letters or digits");
  const throttleMs = options.lastUsedThrottleMs ?? 60_000;
  const now = options.now ?? (() => new Date());
  const keyPattern = new RegExp(
    `^${prefix === "" ? "" : `${prefix}_`}([0-9a-f]{${KEY_ID_BYTES * 2}})\\.([A-Za-z0-9_-]{43})$`,
  );

  async function issue(base: Omit<ApiKeyRecord, "id" | "keyHash" | "keyPrefix" | "createdAt">): Promise<CreatedApiKey> {
    const keyId = randomHex(KEY_ID_BYTES);
    const key = `${prefix === "" ? "" : `${prefix}_`}${keyId}.${randomSecret(SECRET_BYTES)}`;
    const record: ApiKeyRecord = {
      ...base,
      id: crypto.randomUUID(),
      keyPrefix: keyId,
      keyHash: await sha256Base64Url(key),
      createdAt: now(),
    };
    await store.insert(record);
    return { key, apiKey: withoutHash(record) };
  }

  async function owned(id: unknown, userId: string | undefined): Promise<ApiKeyRecord | null> {
    if (typeof id !== "string" || id.length === 0 || id.length > 200) return null;
    const record = await store.findById(id);
    if (record === null || (userId !== undefined && record.userId !== userId)) return null;
    return record;
  }

  return {
    async create(input) {
      const checked = checkCreateInput(input, now());
      return issue({ ...checked, lastUsedAt: null, revokedAt: null });
    },

    async verify(rawKey) {
      if (typeof rawKey !== "string" || rawKey.length > MAX_RAW_KEY_LENGTH) return { ok: false, reason: "malformed" };
      const match = keyPattern.exec(rawKey);
      if (match === null) return { ok: false, reason: "malformed" };
      const record = await store.findByPrefix(match[1]!);
      const presented = await sha256Base64Url(rawKey);
      if (record === null) return { ok: false, reason: "not_found" };
      // Possession first: without the secret nobody learns whether a key is revoked or expired.
      if (!constantTimeEqual(presented, record.keyHash)) return { ok: false, reason: "mismatch" };
      if (record.revokedAt != null) return { ok: false, reason: "revoked" };
      const at = now();
      if (record.expiresAt != null && record.expiresAt.getTime() <= at.getTime())
        return { ok: false, reason: "expired" };
      if (record.lastUsedAt == null || at.getTime() - record.lastUsedAt.getTime() >= throttleMs) {
        // Fire and forget: stamping the use never delays or fails the request it authenticates.
        record.lastUsedAt = at;
        store.update(record.id, { lastUsedAt: at }).catch((error: unknown) => options.onError?.(error));
      }
      return { ok: true, key: withoutHash(record) };
    },

    async rotate(id, rotateOptions = {}) {
      const record = await owned(id, rotateOptions.userId);
      if (record === null) throw problems.notFound("API key", String(id));
      if (record.revokedAt != null) {
        throw new ProblemError("conflict", {
          detail: `API key '${record.id}' is revoked and cannot be rotated`,
          extensions: { id: record.id },
        });
      }
      const at = now();
      const issues: ValidationIssue[] = [];
      const expiresAt =
        rotateOptions.expiresAt !== undefined || rotateOptions.expiresInMs !== undefined
          ? checkExpiry(rotateOptions.expiresAt, rotateOptions.expiresInMs, at, issues)
          : inheritedExpiry(record, at);
      if (issues.length > 0) throw problems.validation("Invalid API key rotation", issues);
      const created = await issue({
        userId: record.userId,
        name: record.name,
        scopes: record.scopes ?? null,
        expiresAt,
        lastUsedAt: null,
        revokedAt: null,
      });
      await store.update(record.id, { revokedAt: at });
      // Streams authenticated by the old key are re-checked now (the owner's others pass again).
      await publishIdentityRevoked({ userId: record.userId });
      return created;
    },

    async revoke(id, revokeOptions = {}) {
      const record = await owned(id, revokeOptions.userId);
      if (record === null) return false;
      if (record.revokedAt == null) {
        await store.update(record.id, { revokedAt: now() });
        await publishIdentityRevoked({ userId: record.userId });
      }
      return true;
    },

    async list(userId) {
      if (typeof userId !== "string" || userId.length === 0) return [];
      return (await store.listByUser(userId)).map(withoutHash);
    },
  };
}

/** Creates a key with a one-off service (see createApiKeyService for repeated use). */
export function createApiKey(
  store: ApiKeyStore,
  input: CreateApiKeyInput,
  options: Omit<ApiKeyServiceOptions, "store"> = {},
): Promise<CreatedApiKey> {
  return createApiKeyService({ ...options, store }).create(input);
}

/** Verifies a raw key against the store; a failure carries its reason. */
export function verifyApiKey(
  store: ApiKeyStore,
  rawKey: string,
  options: Omit<ApiKeyServiceOptions, "store"> = {},
): Promise<ApiKeyVerification> {
  return createApiKeyService({ ...options, store }).verify(rawKey);
}

/** Replaces a key with a new one and revokes the old. */
export function rotateApiKey(
  store: ApiKeyStore,
  id: string,
  options: Omit<ApiKeyServiceOptions, "store"> = {},
): Promise<CreatedApiKey> {
  return createApiKeyService({ ...options, store }).rotate(id);
}

/** Revokes a key; false when it does not exist. */
export function revokeApiKey(
  store: ApiKeyStore,
  id: string,
  options: Omit<ApiKeyServiceOptions, "store"> = {},
): Promise<boolean> {
  return createApiKeyService({ ...options, store }).revoke(id);
}

/** A rotated key keeps the old key's lifetime, counted from the rotation. */
function inheritedExpiry(record: ApiKeyRecord, at: Date): Date | null {
  if (record.expiresAt == null) return null;
  return new Date(at.getTime() + Math.max(record.expiresAt.getTime() - record.createdAt.getTime(), 1));
}

function withoutHash(record: ApiKeyRecord): PublicApiKey {
  const { keyHash: _hash, ...rest } = record;
  return rest;
}

function randomHex(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return Array.from(buffer, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Validates create input; every problem is reported at once as a 400 validation problem. */
function checkCreateInput(
  input: CreateApiKeyInput,
  at: Date,
): Pick<ApiKeyRecord, "userId" | "name" | "scopes" | "expiresAt"> {
  const issues: ValidationIssue[] = [];
  const value = (input ?? {}) as Partial<Record<keyof CreateApiKeyInput, unknown>>;
  if (typeof value.userId !== "string" || value.userId.length === 0 || value.userId.length > 200) {
    issues.push({ path: "userId", message: "must be a non-empty string of at most 200 characters", code: "invalid" });
  }
  const name = typeof value.name === "string" ? value.name.trim() : undefined;
  if (name === undefined || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    issues.push({
      path: "name",
      message: `must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`,
      code: "invalid",
    });
  }
  let scopes: string[] | null = null;
  if (value.scopes != null) {
    if (
      !Array.isArray(value.scopes) ||
      value.scopes.length > MAX_SCOPES ||
      !value.scopes.every((scope) => typeof scope === "string" && scope.length > 0 && scope.length <= MAX_SCOPE_LENGTH)
    ) {
      issues.push({
        path: "scopes",
        message: `must be at most ${MAX_SCOPES} non-empty strings of at most ${MAX_SCOPE_LENGTH} characters`,
        code: "invalid",
      });
    } else {
      scopes = [...new Set(value.scopes as string[])];
    }
  }
  const expiresAt = checkExpiry(value.expiresAt, value.expiresInMs, at, issues);
  if (issues.length > 0) throw problems.validation("Invalid API key request", issues);
  return { userId: value.userId as string, name: name!, scopes, expiresAt };
}

function checkExpiry(expiresAt: unknown, expiresInMs: unknown, at: Date, issues: ValidationIssue[]): Date | null {
  let result: Date | null = null;
  if (expiresAt != null && expiresInMs != null) {
    issues.push({ path: "expiresAt", message: "give expiresAt or expiresInMs, not both", code: "invalid" });
  } else if (expiresAt != null) {
    if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= at.getTime()) {
      issues.push({ path: "expiresAt", message: "must be a valid date in the future", code: "invalid" });
    } else result = expiresAt;
  } else if (expiresInMs != null) {
    if (typeof expiresInMs !== "number" || !Number.isFinite(expiresInMs) || expiresInMs <= 0) {
      issues.push({ path: "expiresInMs", message: "must be a positive number of milliseconds", code: "invalid" });
    } else result = new Date(at.getTime() + expiresInMs);
  }
  return result;
}
