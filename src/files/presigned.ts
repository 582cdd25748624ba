/**
 * Direct-to-bucket uploads. `POST /presign` (create access, the declared name, type and size
 * checked against the resource's limits) returns a presigned PUT and a token; the client uploads
 * to the bucket, then `POST /confirm` with the token: the stored object is checked (it exists,
 * its size is the declared one and within the limit, its first bytes are the declared type) and
 * hashed, and only then is the row created, so no row is visible before its object is verified.
 * An object that fails the check is deleted. Pending uploads live in the global KV (or in memory)
 * until the URL expires.
 */
import { createHash } from "node:crypto";
import type { Context } from "hono";
import { readJsonObject } from "../kernel/body";
import { ProblemError } from "../kernel/errors";
import { getGlobalKV } from "../kernel/global-kv";
import type { CovaraEnv } from "../kernel/http";
import type { KV } from "../kernel/kv";
import { randomToken } from "../kernel/web-crypto";
import { createMemoryKV } from "../kv";
import type { ResourceHandle } from "../resource/extension";
import { storageProblem } from "./ingest";
import { newStorageKey, safeFileName } from "./names";
import type { ResolvedFileOptions } from "./options";
import { checkType, normalizeType, SNIFF_BYTES } from "./sniff";
import { StorageUnavailableError } from "./storage/errors";
import { createFileRow, sendCreated } from "./upload";
import "./problems";

interface PendingUpload {
  key: string;
  name: string;
  type: string;
  size: number;
  /** The uploader's id (null when anonymous): only they may confirm it. */
  user: string | null;
}

let fallbackKV: KV | undefined;
const pendingKV = () => getGlobalKV() ?? (fallbackKV ??= createMemoryKV());
const pendingKey = (resource: ResourceHandle, token: string) => `covara:files:pending:${resource.name}:${token}`;

function requiredString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== "string" || value.length === 0)
    throw new ProblemError("validation-error", { detail: `'${name}' must be a non-empty string` });
  return value;
}

async function withStorage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof StorageUnavailableError) throw storageProblem(error);
    throw error;
  }
}

/** `POST /presign` `{ name, type, size }` → `{ token, upload: { method, url, headers, expiresAt } }`. */
export async function startPresignedUpload(
  c: Context<CovaraEnv>,
  resource: ResourceHandle,
  options: ResolvedFileOptions,
): Promise<Response> {
  const access = await resource.createAccess(c);
  const body = await readJsonObject(c);
  const name = safeFileName(requiredString(body, "name"));
  const type = normalizeType(requiredString(body, "type"));
  const size = body.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0)
    throw new ProblemError("validation-error", { detail: "'size' must be the file's size in bytes" });
  if (size === 0) throw new ProblemError("empty-file", { detail: "The file is empty (zero bytes)" });
  if (size > options.maxFileSize)
    throw new ProblemError("file-too-large", {
      detail: `The file exceeds ${options.maxFileSize} bytes`,
      extensions: { maxFileSize: options.maxFileSize },
    });
  // The declared type and name are checked now; the content is checked at confirmation.
  const declared = checkType(type, new Uint8Array(0), name, options.allowedMimeTypes);
  if (!declared.ok && declared.problem === "file-type-not-allowed")
    throw new ProblemError(declared.problem, { detail: declared.detail });
  const key = newStorageKey(options.keyPrefix, access.user?.id, name);
  const upload = await withStorage(() =>
    options.storage.presign!(key, { method: "PUT", expiresIn: options.presign!.expiresIn, contentType: type }),
  );
  const token = randomToken();
  const pending: PendingUpload = { key, name, type, size, user: access.user ? String(access.user.id) : null };
  await pendingKV().set(pendingKey(resource, token), JSON.stringify(pending), {
    ttlMs: (options.presign!.expiresIn + 60) * 1000,
  });
  return c.json({
    token,
    upload: {
      method: upload.method,
      url: upload.url,
      headers: upload.headers,
      expiresAt: upload.expiresAt.toISOString(),
    },
  });
}

/** Reads the first bytes and the SHA-256 of the stored object, refusing more than `maxBytes`. */
async function inspect(
  options: ResolvedFileOptions,
  key: string,
  maxBytes: number,
): Promise<{ head: Uint8Array; sha256: string; size: number } | null> {
  const object = await options.storage.get(key);
  if (!object) return null;
  const reader = object.body.getReader();
  const hash = createHash("sha256");
  const head = new Uint8Array(SNIFF_BYTES);
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size < SNIFF_BYTES) head.set(value.subarray(0, SNIFF_BYTES - size), size);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return { head, sha256: "", size };
    }
    hash.update(value);
  }
  return { head: head.subarray(0, Math.min(size, SNIFF_BYTES)), sha256: hash.digest("hex"), size };
}

/** `POST /confirm` `{ token, data? }` → 201 with the created row. */
export async function confirmPresignedUpload(
  c: Context<CovaraEnv>,
  resource: ResourceHandle,
  options: ResolvedFileOptions,
): Promise<Response> {
  const access = await resource.createAccess(c);
  const body = await readJsonObject(c);
  const token = requiredString(body, "token");
  const kv = pendingKV();
  const stored = await kv.get(pendingKey(resource, token));
  const pending = stored === null ? null : (JSON.parse(stored) as PendingUpload);
  if (!pending || pending.user !== (access.user ? String(access.user.id) : null)) {
    throw new ProblemError("presigned-upload-not-found", {
      detail: "No pending upload has this token (it expired, was confirmed, or belongs to someone else)",
    });
  }
  // One confirmation per token, even when two race.
  if (!(await kv.delete(pendingKey(resource, token))))
    throw new ProblemError("presigned-upload-not-found", { detail: "This upload was already confirmed" });
  const seen = await withStorage(() => inspect(options, pending.key, options.maxFileSize));
  if (!seen) throw new ProblemError("presigned-upload-not-found", { detail: "Nothing was uploaded with this token" });
  const refuse = async (problem: ProblemError): Promise<never> => {
    await options.storage.delete(pending.key).catch(() => {});
    throw problem;
  };
  if (seen.size > options.maxFileSize)
    await refuse(new ProblemError("file-too-large", { detail: `The file exceeds ${options.maxFileSize} bytes` }));
  if (seen.size !== pending.size) {
    await refuse(
      new ProblemError("presigned-upload-mismatch", {
        detail: `The stored file has ${seen.size} bytes, ${pending.size} were declared`,
        extensions: { declared: pending.size, stored: seen.size },
      }),
    );
  }
  const verdict = checkType(pending.type, seen.head, pending.name, options.allowedMimeTypes);
  if (!verdict.ok) await refuse(new ProblemError(verdict.problem, { detail: verdict.detail }));
  const data = body.data;
  const fields =
    typeof data === "object" && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  const created = await createFileRow(
    c,
    resource,
    options,
    access,
    fields,
    { key: pending.key, size: seen.size, contentType: verdict.ok ? verdict.type : pending.type, sha256: seen.sha256 },
    pending.name,
  );
  return sendCreated(c, created);
}
