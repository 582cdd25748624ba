/**
 * s3rver accepts any SigV4 signature (its V4 check is unimplemented), so the wire tests check each
 * request's signature themselves: every request our S3 adapter sends is re-signed by the AWS SDK's
 * own signer (@smithy/signature-v4) with the same date and headers, and the signatures must match.
 */
import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";

function bytesOf(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === "string") return data;
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The SDK signer's hash interface over node:crypto. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytesOf(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function sdkSigner(credentials: { accessKeyId: string; secretAccessKey: string }, region: string): SignatureV4 {
  return new SignatureV4({
    credentials,
    region,
    service: "s3",
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: true,
  });
}

function amzDateToDate(stamp: string): Date {
  return new Date(
    `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
  );
}

function sdkRequest(method: string, url: URL, headers: Record<string, string>) {
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  return {
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port) || undefined,
    path: url.pathname,
    query,
    headers,
  };
}

/** A fetch that fails any request whose Authorization signature differs from the SDK's. */
export function sdkCheckedFetch(
  inner: typeof fetch,
  credentials: { accessKeyId: string; secretAccessKey: string },
  region = "us-east-1",
  seen: { count: number } = { count: 0 },
): typeof fetch {
  const signer = sdkSigner(credentials, region);
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = Object.fromEntries(new Headers(init.headers));
    const authorization = headers.authorization ?? "";
    const ours = /Signature=([0-9a-f]{64})/.exec(authorization)?.[1];
    const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(";") ?? [];
    const toSign: Record<string, string> = { host: url.host };
    for (const name of signedNames) if (name !== "host") toSign[name] = headers[name] ?? "";
    const theirs = await signer.sign(sdkRequest(init.method ?? "GET", url, toSign), {
      signingDate: amzDateToDate(headers["x-amz-date"] ?? ""),
    });
    const expected = /Signature=([0-9a-f]{64})/.exec(String(theirs.headers.authorization))?.[1];
    if (!ours || ours !== expected)
      throw new Error(`signature of ${init.method} ${url} differs from the AWS SDK's (${ours} vs ${expected})`);
    seen.count++;
    return inner(input, init);
  };
}

/** The SDK's presigned signature of the same request, for comparison with ours. */
export async function sdkPresignature(
  url: URL,
  method: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  headers: Record<string, string> = {},
): Promise<string | undefined> {
  const query = new URL(url);
  const date = amzDateToDate(query.searchParams.get("X-Amz-Date") ?? "");
  const expiresIn = Number(query.searchParams.get("X-Amz-Expires"));
  for (const name of [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
  ])
    query.searchParams.delete(name);
  const presigned = await sdkSigner(credentials, "us-east-1").presign(
    sdkRequest(method, query, { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", ...headers }),
    {
      signingDate: date,
      expiresIn,
      // As the SDK's S3 presigner does: the payload is unsigned, and that marker is not a signed header.
      unsignableHeaders: new Set(["x-amz-content-sha256"]),
      unhoistableHeaders: new Set(["x-amz-content-sha256"]),
    },
  );
  return presigned.query?.["X-Amz-Signature"] as string | undefined;
}
