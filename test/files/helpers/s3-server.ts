/**
 * A local S3-compatible server (s3rver) for the wire tests, with the AWS SDK as an oracle client,
 * and a fetch that reaches `<bucket>.s3.localhost` host names (virtual-host style) without DNS.
 */
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";

export const S3_KEY = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface LocalS3 {
  port: number;
  /** Path-style endpoint. */
  endpoint: string;
  sdk: S3Client;
  close(): Promise<void>;
}

export async function startLocalS3(buckets: string[]): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "covara-s3-"));
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    serviceEndpoint: "localhost",
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  const address = await server.run();
  const port = address.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const sdk = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: S3_KEY });
  return {
    port,
    endpoint,
    sdk,
    async close() {
      sdk.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * fetch for virtual-host style: connects to 127.0.0.1 whatever the URL's host, and sends that
 * host in the `Host` header (which is what the signature covers).
 */
export function loopbackFetch(port: number): typeof fetch {
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init.headers);
    headers.set("host", url.host);
    const body = init.body === undefined || init.body === null ? undefined : Buffer.from(init.body as Uint8Array);
    if (body) headers.set("content-length", String(body.byteLength));
    return new Promise<Response>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          method: init.method ?? "GET",
          path: url.pathname + url.search,
          headers: Object.fromEntries(headers),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers))
              if (typeof value === "string") responseHeaders.set(name, value);
            const status = res.statusCode ?? 500;
            resolve(
              new Response(status === 204 || status === 304 || init.method === "HEAD" ? null : Buffer.concat(chunks), {
                status,
                headers: responseHeaders,
              }),
            );
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  };
}
