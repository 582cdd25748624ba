/**
 * `idempotency()`: safe retries of POST and PATCH with an `Idempotency-Key` header. The first
 * request with a key runs and its response (status, headers, body) is stored in the KV; a retry
 * with the same key and the same request (method, path, query, body) gets that response replayed
 * (`Idempotent-Replayed: true`) without running again. The same key with a different request is a
 * 422 `idempotency-key-reused`. While the first request is still running, a concurrent duplicate
 * gets a 409 `idempotency-key-in-use` with `Retry-After` at once (it does not wait): exactly one runs.
 *
 * Keys are per caller (the user id, else anonymous), so one user can never replay another's
 * response. A 5xx answer is not stored (the key is released so a retry runs again), nor is a
 * streamed or oversized one.
 */
import type { Context, MiddlewareHandler } from "hono";
import { contextOf, type ContextSource } from "../kernel/context";
import { decodeBase64Url } from "../kernel/crypto/base64url";
import { ProblemError } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import type { KV } from "../kernel/kv";
import { encodeBase64Url, sha256Url } from "../kernel/web-crypto";
import { createMemoryKV } from "../kv";
import "./problems";

export interface IdempotencyOptions {
  /** Where keys and responses live. @default the app's KV, else a memory KV of this middleware */
  kv?: KV;
  /** Whose KV to fall back to. @default the default context */
  app?: ContextSource;
  /** Methods the key applies to. @default ["POST", "PATCH"] */
  methods?: readonly string[];
  /** The header carrying the key. @default "idempotency-key" */
  header?: string;
  /** Reject a request of those methods without a key (400 `idempotency-key-required`). @default false */
  required?: boolean;
  /** How long a stored response is replayed. @default 24 hours */
  ttlMs?: number;
  /** How long a running request holds its key (if its process dies, the key frees after this). @default 60 s */
  lockTtlMs?: number;
  /** Largest request body fingerprinted (bigger is a 413) and response body stored. @default 1 MiB */
  maxBodyBytes?: number;
  /** KV key prefix. @default "covara:idem:" */
  prefix?: string;
}

interface PendingRecord {
  state: "pending";
  fingerprint: string;
}
interface DoneRecord {
  state: "done";
  fingerprint: string;
  status: number;
  headers: [string, string][];
  /** base64url */
  body: string;
}
type StoredRecord = PendingRecord | DoneRecord;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** Never replayed: a second session cookie, or a date from the first answer. */
const UNSTORED_HEADERS = new Set(["set-cookie", "date", "connection", "transfer-encoding", "keep-alive"]);

function parseRecord(text: string | null): StoredRecord | undefined {
  if (text === null) return undefined;
  try {
    const value: StoredRecord = JSON.parse(text);
    return value.state === "pending" || value.state === "done" ? value : undefined;
  } catch {
    return undefined;
  }
}

async function fingerprintOf(c: Context, maxBytes: number): Promise<string> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes)
    throw new ProblemError("payload-too-large", { detail: `Idempotent requests are limited to ${maxBytes} bytes` });
  const body = c.req.raw.body ? new Uint8Array(await c.req.raw.clone().arrayBuffer()) : new Uint8Array();
  if (body.byteLength > maxBytes)
    throw new ProblemError("payload-too-large", { detail: `Idempotent requests are limited to ${maxBytes} bytes` });
  const url = new URL(c.req.url);
  const head = new TextEncoder().encode(`${c.req.method}\n${url.pathname}${url.search}\n`);
  const whole = new Uint8Array(head.byteLength + body.byteLength);
  whole.set(head);
  whole.set(body, head.byteLength);
  return encodeBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", whole)));
}

function replay(record: DoneRecord): Response {
  const headers = new Headers(record.headers);
  headers.set("idempotent-replayed", "true");
  const body = decodeBase64Url(record.body) ?? new Uint8Array();
  const empty = record.status === 204 || record.status === 304 || body.byteLength === 0;
  return new Response(empty ? null : body, { status: record.status, headers });
}

function inUse(): ProblemError {
  return new ProblemError("idempotency-key-in-use", { headers: { "retry-after": "1" } });
}

/** The idempotency-key middleware; mount it after authentication so keys are per user. */
export function idempotency(options: IdempotencyOptions = {}): MiddlewareHandler<CovaraEnv> {
  const methods = new Set((options.methods ?? ["POST", "PATCH"]).map((method) => method.toUpperCase()));
  const header = (options.header ?? "idempotency-key").toLowerCase();
  const ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
  const lockTtlMs = options.lockTtlMs ?? 60_000;
  const maxBytes = options.maxBodyBytes ?? 1024 * 1024;
  const prefix = options.prefix ?? "covara:idem:";
  let fallback: KV | undefined;
  const kvOf = () => options.kv ?? contextOf(options.app).kv ?? (fallback ??= createMemoryKV());

  /** Answers from an existing record: a replay, a 422 for another request, a 409 while it runs. */
  function answerFrom(record: StoredRecord, fingerprint: string): Response {
    if (record.fingerprint !== fingerprint)
      throw new ProblemError("idempotency-key-reused", {
        detail: "This Idempotency-Key was used for a different request",
      });
    if (record.state === "pending") throw inUse();
    return replay(record);
  }

  return async (c, next) => {
    if (!methods.has(c.req.method)) return next();
    const key = c.req.header(header);
    if (key === undefined) {
      if (options.required)
        throw new ProblemError("idempotency-key-required", {
          detail: `Send an ${header} header with ${c.req.method} requests`,
        });
      return next();
    }
    if (!KEY_PATTERN.test(key))
      throw new ProblemError("invalid-idempotency-key", {
        detail: "An Idempotency-Key is 1 to 255 visible ASCII characters",
      });

    const kv = kvOf();
    const user = c.get("user");
    const storeKey = `${prefix}${user ? `user:${await sha256Url(String(user.id))}` : "anon"}:${await sha256Url(key)}`;
    const fingerprint = await fingerprintOf(c, maxBytes);

    const existing = parseRecord(await kv.get(storeKey));
    if (existing) return answerFrom(existing, fingerprint);
    const pending: PendingRecord = { state: "pending", fingerprint };
    if (!(await kv.set(storeKey, JSON.stringify(pending), { ifNotExists: true, ttlMs: lockTtlMs }))) {
      // Lost the race to a concurrent duplicate: answer from its record (or 409 if it vanished meanwhile).
      const winner = parseRecord(await kv.get(storeKey));
      if (winner) return answerFrom(winner, fingerprint);
      throw inUse();
    }

    let stored = false;
    try {
      await next();
      const res = c.res;
      const streamed = (res.headers.get("content-type") ?? "").startsWith("text/event-stream");
      if (res.status < 500 && !streamed) {
        const body = new Uint8Array(await res.clone().arrayBuffer());
        if (body.byteLength <= maxBytes) {
          const headers = [...res.headers].filter(([name]) => !UNSTORED_HEADERS.has(name.toLowerCase()));
          const done: DoneRecord = {
            state: "done",
            fingerprint,
            status: res.status,
            headers,
            body: encodeBase64Url(body),
          };
          await kv.set(storeKey, JSON.stringify(done), { ttlMs });
          stored = true;
        }
      }
    } finally {
      // Not stored: release the key so a retry runs the request again.
      if (!stored) await kv.delete(storeKey).catch(() => false);
    }
  };
}
