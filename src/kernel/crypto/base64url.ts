/**
 * base64url without padding (RFC 7515 §2), strict on input: a token segment with any character
 * outside the alphabet, or with padding, is refused rather than decoded leniently.
 */
import { decodeBase64urlIgnorePadding } from "@oslojs/encoding";
import { encodeBase64Url } from "../web-crypto";

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/** Decodes unpadded base64url; null for anything that is not canonical base64url. */
export function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  // A length of 1 mod 4 cannot come from any byte string.
  if (!SEGMENT.test(text) || text.length % 4 === 1) return null;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = Uint8Array.from(decodeBase64urlIgnorePadding(text));
  } catch {
    return null;
  }
  // Refuse non-canonical encodings (stray low bits in the last character) so one token has one spelling.
  return encodeBase64Url(bytes) === text ? bytes : null;
}

/** Encodes a JSON value as a base64url segment. */
export function encodeJsonSegment(value: unknown): string {
  return encodeBase64Url(new TextEncoder().encode(JSON.stringify(value)));
}

/** Decodes a base64url segment holding a JSON object; null when it is anything else. */
export function decodeJsonSegment(segment: string): Record<string, unknown> | null {
  const bytes = decodeBase64Url(segment);
  if (bytes === null) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
