/**
 * The Standard Webhooks signature scheme (standardwebhooks.com), which Polar uses:
 * `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64> …`, where each signature
 * is the base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`. A `whsec_` secret is base64 key
 * bytes; any other secret is taken as its UTF-8 bytes, which is how Polar's own client reads the
 * secret its dashboard shows.
 */
import {
  assertFresh,
  fromBase64,
  hmacSha256,
  invalidSignature,
  matchesAny,
  requireHeader,
  toBase64,
} from "./signatures";

/** The HMAC key bytes of a Standard Webhooks secret. */
export function standardWebhookKey(secret: string, provider: string): Uint8Array {
  if (!secret.startsWith("whsec_")) return new TextEncoder().encode(secret);
  const key = fromBase64(secret.slice("whsec_".length));
  if (key === null || key.length === 0)
    throw new TypeError(`covara billing (${provider}): the whsec_ webhook secret is not base64`);
  return key;
}

/** Verifies a Standard Webhooks delivery; answers its `webhook-id`. */
export async function verifyStandardWebhook(
  provider: string,
  input: { rawBody: string; headers: Headers; secret: string; now: number; toleranceSeconds: number },
): Promise<string> {
  const id = requireHeader(input.headers, "webhook-id", provider);
  const timestampText = requireHeader(input.headers, "webhook-timestamp", provider);
  const header = requireHeader(input.headers, "webhook-signature", provider);
  if (!/^\d+$/.test(timestampText)) throw invalidSignature(provider, "webhook-timestamp is not a number");
  const timestamp = Number(timestampText);
  const candidates: string[] = [];
  for (const part of header.split(" ")) {
    const [version, signature] = part.split(",", 2);
    if (version === "v1" && signature) candidates.push(signature);
  }
  if (candidates.length === 0) throw invalidSignature(provider, "webhook-signature has no v1 signature");
  const expected = toBase64(
    await hmacSha256(standardWebhookKey(input.secret, provider), `${id}.${timestamp}.${input.rawBody}`),
  );
  if (!matchesAny(expected, candidates)) throw invalidSignature(provider);
  assertFresh(provider, timestamp, input.now, input.toleranceSeconds);
  return id;
}
