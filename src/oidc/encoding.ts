/** The OIDC provider's Web Crypto helpers: the kernel's shared ones under the names it uses, and digests. */
export {
  constantTimeEqual,
  encodeBase64Url as base64Url,
  randomToken as randomHandle,
  sha256Url as handleKey,
} from "../kernel/web-crypto";

/** The digest of a string with the named SHA hash. */
export async function digest(hash: "SHA-256" | "SHA-384" | "SHA-512", text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(hash, new TextEncoder().encode(text)));
}
