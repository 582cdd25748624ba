/**
 * AWS Signature Version 4 over Web Crypto: the `Authorization` header of a request and presigned
 * (query-string) URLs. Written for S3 semantics: the path is URI-encoded once and never
 * normalised (S3 keys may contain `//` or `.`), which is also what S3-compatible services expect.
 * Checked against AWS's published examples in test/files/fixtures/sigv4-vectors.json.
 */
import { concat, hex } from "./streams";

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials' session token (sent as `x-amz-security-token`). */
  sessionToken?: string;
}

export interface SigV4Scope {
  region: string;
  /** `s3` for S3 and S3-compatible services. */
  service: string;
}

/** The hash of an empty payload, and the marker of a payload that is not signed. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

const encoder = new TextEncoder();

/** RFC 3986 percent-encoding as SigV4 wants it: everything but unreserved characters (and `/` in paths). */
export function uriEncode(text: string, keepSlash = false): string {
  let out = "";
  for (const byte of encoder.encode(text)) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(char) || (keepSlash && char === "/")) out += char;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** `20130524T000000Z` */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[:-]|\.\d{3}/g, "");
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : concat([data]);
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

async function hmac(key: Uint8Array<ArrayBuffer>, data: string): Promise<Uint8Array<ArrayBuffer>> {
  const imported = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", imported, encoder.encode(data)));
}

/** kSigning = HMAC chain over date, region, service and `aws4_request`. */
async function signingKey(secret: string, day: string, scope: SigV4Scope): Promise<Uint8Array<ArrayBuffer>> {
  const dateKey = await hmac(encoder.encode(`AWS4${secret}`), day);
  const regionKey = await hmac(dateKey, scope.region);
  const serviceKey = await hmac(regionKey, scope.service);
  return hmac(serviceKey, "aws4_request");
}

/** The canonical path: each segment encoded once (the URL's own escapes are undone first). */
function canonicalPath(url: URL): string {
  return url.pathname
    .split("/")
    .map((segment) => uriEncode(decodeURIComponent(segment)))
    .join("/");
}

/** The canonical query string: encoded pairs sorted by key, then value. */
function canonicalQuery(url: URL): string {
  const pairs = [...url.searchParams].map(([key, value]) => [uriEncode(key), uriEncode(value)] as const);
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([key, value]) => `${key}=${value}`).join("&");
}

/** Lower-case names, trimmed values with inner runs of spaces collapsed, sorted by name. */
function canonicalHeaders(headers: Record<string, string>): { text: string; signed: string } {
  const entries = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, " ")] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    text: entries.map(([name, value]) => `${name}:${value}\n`).join(""),
    signed: entries.map(([name]) => name).join(";"),
  };
}

/** The pieces of one signature, returned so tests can compare every intermediate step. */
export interface SignatureParts {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  signedHeaders: string;
  credentialScope: string;
}

async function sign(
  method: string,
  url: URL,
  headers: Record<string, string>,
  payloadHash: string,
  credentials: SigV4Credentials,
  scope: SigV4Scope,
  date: Date,
): Promise<SignatureParts> {
  const stamp = amzDate(date);
  const day = stamp.slice(0, 8);
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const canonical = canonicalHeaders(headers);
  const canonicalRequest = [
    method,
    canonicalPath(url),
    canonicalQuery(url),
    canonical.text,
    canonical.signed,
    payloadHash,
  ].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", stamp, credentialScope, await sha256Hex(canonicalRequest)].join("\n");
  const signature = hex(await hmac(await signingKey(credentials.secretAccessKey, day, scope), stringToSign));
  return { canonicalRequest, stringToSign, signature, signedHeaders: canonical.signed, credentialScope };
}

export interface SignRequestInput {
  method: string;
  url: URL;
  /** Headers to sign besides `host` and `x-amz-date` (which are added). */
  headers?: Record<string, string>;
  /** Hex SHA-256 of the body, `UNSIGNED-PAYLOAD`, or omitted for an empty body. */
  payloadHash?: string;
  credentials: SigV4Credentials;
  scope: SigV4Scope;
  date?: Date;
  /** Send `x-amz-content-sha256` (S3 requires it; the generic test suite has none). Default true. */
  contentSha256Header?: boolean;
}

/** The headers of a signed request: the given ones plus host, x-amz-date, x-amz-content-sha256 and Authorization. */
export async function signRequest(
  input: SignRequestInput,
): Promise<{ headers: Record<string, string>; parts: SignatureParts }> {
  const date = input.date ?? new Date();
  const payloadHash = input.payloadHash ?? EMPTY_SHA256;
  const headers: Record<string, string> = { ...input.headers, host: input.url.host, "x-amz-date": amzDate(date) };
  if (input.contentSha256Header !== false) headers["x-amz-content-sha256"] = payloadHash;
  if (input.credentials.sessionToken) headers["x-amz-security-token"] = input.credentials.sessionToken;
  const parts = await sign(input.method, input.url, headers, payloadHash, input.credentials, input.scope, date);
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${parts.credentialScope}, SignedHeaders=${parts.signedHeaders}, Signature=${parts.signature}`;
  return { headers, parts };
}

export interface PresignInput {
  method: string;
  url: URL;
  /** Headers the client must send, signed into the URL (host is always signed). */
  headers?: Record<string, string>;
  credentials: SigV4Credentials;
  scope: SigV4Scope;
  expiresIn: number;
  date?: Date;
}

/** A presigned URL (query-string authentication, payload unsigned). */
export async function presignUrl(input: PresignInput): Promise<{ url: URL; parts: SignatureParts }> {
  if (!Number.isInteger(input.expiresIn) || input.expiresIn < 1 || input.expiresIn > 604_800) {
    throw new RangeError("covara: a presigned URL expires in 1 to 604800 seconds");
  }
  const date = input.date ?? new Date();
  const stamp = amzDate(date);
  const headers: Record<string, string> = { ...input.headers, host: input.url.host };
  const url = new URL(input.url);
  const signedHeaders = canonicalHeaders(headers).signed;
  url.searchParams.set("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  url.searchParams.set(
    "X-Amz-Credential",
    `${input.credentials.accessKeyId}/${stamp.slice(0, 8)}/${input.scope.region}/${input.scope.service}/aws4_request`,
  );
  url.searchParams.set("X-Amz-Date", stamp);
  url.searchParams.set("X-Amz-Expires", String(input.expiresIn));
  if (input.credentials.sessionToken) url.searchParams.set("X-Amz-Security-Token", input.credentials.sessionToken);
  url.searchParams.set("X-Amz-SignedHeaders", signedHeaders);
  const parts = await sign(input.method, url, headers, UNSIGNED_PAYLOAD, input.credentials, input.scope, date);
  url.searchParams.set("X-Amz-Signature", parts.signature);
  // URLSearchParams writes spaces as '+'; S3 reads the query as RFC 3986, so re-encode it.
  url.search = [...url.searchParams].map(([key, value]) => `${uriEncode(key)}=${uriEncode(value)}`).join("&");
  return { url, parts };
}
