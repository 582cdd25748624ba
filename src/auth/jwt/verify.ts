/**
 * Verifying a JWT: the header's algorithm must be allowed and match the key it selects, the
 * signature must verify, and `iss`, `aud` and `exp` are always required and checked (`nbf` and
 * `iat` when present), each with a configurable clock skew. Every failure is a
 * `JwtVerificationError` whose `reason` is for logs and tests only; HTTP answers never show it.
 */
import { ALGORITHMS, isJwtAlgorithm, type JwtAlgorithm } from "../../kernel/crypto/algorithms";
import { decodeBase64Url, decodeJsonSegment } from "../../kernel/crypto/base64url";
import type { JwtKey } from "./keys";
import type { JwtClaims } from "./sign";

export type JwtFailureReason =
  | "malformed"
  | "algorithm"
  | "unknown-key"
  | "signature"
  | "expired"
  | "not-yet-valid"
  | "issued-in-future"
  | "issuer"
  | "audience"
  | "claims";

/** Why a token was refused. The message is the reason; callers answer with one generic detail. */
export class JwtVerificationError extends Error {
  override readonly name = "JwtVerificationError";
  constructor(readonly reason: JwtFailureReason) {
    super(`JWT rejected: ${reason}`);
  }
}

/** The decoded protected header. */
export interface JwtHeader {
  alg: JwtAlgorithm;
  kid?: string;
  typ?: string;
  [member: string]: unknown;
}

/** Where verification keys come from: a fixed list, or a lookup (a JWKS) by header. */
export type JwtKeySource = JwtKey[] | ((header: JwtHeader) => Promise<JwtKey[]>);

export interface VerifyJwtOptions {
  keys: JwtKeySource;
  /** Accepted issuers (exact match); tokens from any other issuer are refused. */
  issuer: string | readonly string[];
  /** Accepted audiences; the token's `aud` must name at least one. */
  audience: string | readonly string[];
  /** An extra allowlist on top of each key's own algorithm. */
  algorithms?: readonly JwtAlgorithm[];
  /** Tolerance for `exp`, `nbf` and `iat`, in seconds (default 30). */
  clockSkewSeconds?: number;
  /** Claims that must be present besides iss, aud and exp (e.g. "sub"). */
  requiredClaims?: readonly string[];
  /** Longest token accepted, in characters (default 8192). */
  maxLength?: number;
}

export interface VerifiedJwt {
  header: JwtHeader;
  claims: JwtClaims & { iss: string; exp: number; aud: string | string[] };
}

export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
const DEFAULT_MAX_LENGTH = 8192;
/** At most this many keys are tried for one token, so a key-less header cannot make us loop. */
const MAX_CANDIDATE_KEYS = 8;

function fail(reason: JwtFailureReason): never {
  throw new JwtVerificationError(reason);
}

function asList(value: string | readonly string[]): readonly string[] {
  return typeof value === "string" ? [value] : value;
}

function parseHeader(segment: string, options: VerifyJwtOptions): JwtHeader {
  const header = decodeJsonSegment(segment);
  if (header === null) fail("malformed");
  const alg = header.alg;
  // `none`, "NONE", "hs256" and anything unknown stop here, before any key is looked at.
  if (!isJwtAlgorithm(alg)) fail("algorithm");
  if (options.algorithms && !options.algorithms.includes(alg)) fail("algorithm");
  if (header.kid !== undefined && (typeof header.kid !== "string" || header.kid.length > 256)) fail("malformed");
  // We implement no JWS extensions, so a token that declares critical ones must be refused (RFC 7515 §4.1.11).
  if (header.crit !== undefined) fail("malformed");
  if (header.jku !== undefined || header.jwk !== undefined || header.x5u !== undefined) fail("unknown-key");
  return header as JwtHeader;
}

async function candidateKeys(header: JwtHeader, source: JwtKeySource): Promise<JwtKey[]> {
  const keys = typeof source === "function" ? await source(header) : source;
  return keys
    .filter((key) => key.alg === header.alg && key.verificationKey !== undefined)
    .filter((key) => header.kid === undefined || key.kid === header.kid)
    .slice(0, MAX_CANDIDATE_KEYS);
}

function isNumericDate(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Checks the claims of an already verified token (time-based ones against the current clock). */
export function checkClaims(
  claims: Record<string, unknown>,
  options: Pick<VerifyJwtOptions, "issuer" | "audience" | "clockSkewSeconds" | "requiredClaims">,
): void {
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const now = Date.now() / 1000;
  if (typeof claims.iss !== "string" || claims.aud === undefined || !isNumericDate(claims.exp)) fail("claims");
  for (const name of options.requiredClaims ?? [])
    if (claims[name] === undefined || claims[name] === null) fail("claims");
  if (now >= claims.exp + skew) fail("expired");
  if (claims.nbf !== undefined) {
    if (!isNumericDate(claims.nbf)) fail("claims");
    if (now + skew < claims.nbf) fail("not-yet-valid");
  }
  if (claims.iat !== undefined) {
    if (!isNumericDate(claims.iat)) fail("claims");
    if (claims.iat > now + skew) fail("issued-in-future");
  }
  if (!asList(options.issuer).includes(claims.iss)) fail("issuer");
  const audiences = typeof claims.aud === "string" ? [claims.aud] : claims.aud;
  if (!Array.isArray(audiences) || !audiences.every((value) => typeof value === "string")) fail("claims");
  const accepted = asList(options.audience);
  if (!audiences.some((value) => accepted.includes(value as string))) fail("audience");
  if (claims.sub !== undefined && typeof claims.sub !== "string") fail("claims");
}

/** Verifies a compact JWS and its claims; throws JwtVerificationError on any problem. */
export async function verifyJwt(token: string, options: VerifyJwtOptions): Promise<VerifiedJwt> {
  if (typeof token !== "string" || token.length === 0 || token.length > (options.maxLength ?? DEFAULT_MAX_LENGTH))
    fail("malformed");
  const parts = token.split(".");
  if (parts.length !== 3) fail("malformed");
  const [headerSegment, payloadSegment, signatureSegment] = parts as [string, string, string];
  const header = parseHeader(headerSegment, options);
  if (!/^[A-Za-z0-9_-]+$/.test(payloadSegment)) fail("malformed");
  const signature = decodeBase64Url(signatureSegment);
  if (signature === null || signature.length === 0) fail("malformed");
  const keys = await candidateKeys(header, options.keys);
  if (keys.length === 0) fail("unknown-key");
  const signingInput = new TextEncoder().encode(`${headerSegment}.${payloadSegment}`);
  let verified = false;
  for (const key of keys) {
    try {
      if (await crypto.subtle.verify(ALGORITHMS[key.alg].signParams, key.verificationKey!, signature, signingInput)) {
        verified = true;
        break;
      }
    } catch {
      // A signature of the wrong shape for this key type is simply not a valid signature.
    }
  }
  if (!verified) fail("signature");
  // The payload is only interpreted once its signature is known to be good.
  const claims = decodeJsonSegment(payloadSegment);
  if (claims === null) fail("malformed");
  checkClaims(claims, options);
  return { header, claims: claims as VerifiedJwt["claims"] };
}
