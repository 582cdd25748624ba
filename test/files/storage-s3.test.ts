/**
 * The S3 adapter on the wire: s3rver (which verifies every SigV4 signature) as the peer, the AWS
 * SDK as the oracle — what our adapter writes the SDK reads back, and the reverse — in path and
 * virtual-host style, single and multipart uploads, ranges, presigned URLs, and a backend down.
 */
import { createHash } from "node:crypto";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Storage } from "../../src/files/storage/s3";
import { StorageUnavailableError } from "../../src/files/storage/errors";
import type { StorageAdapter } from "../../src/files/storage/types";
import { loopbackFetch, S3_KEY, startLocalS3, type LocalS3 } from "./helpers/s3-server";
import { sdkCheckedFetch, sdkPresignature } from "./helpers/sdk-signature-check";

const BUCKET = "covara-files";
let s3: LocalS3;
let storage: StorageAdapter;
/** Requests whose signature the SDK's signer confirmed. */
const checked = { count: 0 };

beforeAll(async () => {
  s3 = await startLocalS3([BUCKET]);
  storage = createS3Storage({
    bucket: BUCKET,
    endpoint: s3.endpoint,
    ...S3_KEY,
    partSize: 5 * 1024 * 1024,
    fetch: sdkCheckedFetch(fetch, S3_KEY, "us-east-1", checked),
  });
});
afterAll(async () => {
  await s3.close();
});

function streamOfChunks(chunks: Uint8Array[], fail?: Error): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(chunks[index++]!);
      else if (fail) controller.error(fail);
      else controller.close();
    },
  });
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

async function sdkBytes(key: string): Promise<Buffer> {
  const object = await s3.sdk.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function sdkExists(key: string): Promise<boolean> {
  try {
    await s3.sdk.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch {
    return false;
  }
}

describe("S3 storage (s3rver peer, AWS SDK oracle)", () => {
  it("writes objects the SDK reads back byte for byte, with their content type", async () => {
    const key = "users/7/hello world+ünïcode.txt";
    const info = await storage.put(
      key,
      streamOfChunks([new TextEncoder().encode("hello "), new TextEncoder().encode("world")]),
      { contentType: "text/plain" },
    );
    expect(info.size).toBe(11);
    expect((await sdkBytes(key)).toString()).toBe("hello world");
    const head = await s3.sdk.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ContentType).toBe("text/plain");
  });

  it("reads objects the SDK wrote, whole, by range and by head", async () => {
    await s3.sdk.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "from-sdk.bin",
        Body: "0123456789",
        ContentType: "application/octet-stream",
      }),
    );
    const whole = await storage.get("from-sdk.bin");
    expect(whole?.size).toBe(10);
    expect(await text(whole!.body)).toBe("0123456789");
    const part = await storage.get("from-sdk.bin", { range: { start: 2, end: 5 } });
    expect(part?.size).toBe(10);
    expect(await text(part!.body)).toBe("2345");
    expect((await storage.head("from-sdk.bin"))?.size).toBe(10);
    expect(await storage.get("missing.bin")).toBeNull();
    expect(await storage.head("missing.bin")).toBeNull();
  });

  it("deletes (and deleting a missing key is no error)", async () => {
    await storage.put("to-delete.txt", new TextEncoder().encode("x"));
    expect(await sdkExists("to-delete.txt")).toBe(true);
    await storage.delete("to-delete.txt");
    expect(await sdkExists("to-delete.txt")).toBe(false);
    await storage.delete("to-delete.txt");
  });

  it("streams a body longer than a part as a multipart upload the SDK reads whole", async () => {
    const chunk = new Uint8Array(1024 * 1024);
    const chunks = Array.from({ length: 11 }, (_, i) => chunk.map((_, j) => (i * 31 + j) & 0xff));
    const expected = createHash("sha256");
    for (const c of chunks) expected.update(c);
    const info = await storage.put("big/eleven-mib.bin", streamOfChunks(chunks), {
      contentType: "application/octet-stream",
    });
    expect(info.size).toBe(11 * 1024 * 1024);
    const back = await sdkBytes("big/eleven-mib.bin");
    expect(back.byteLength).toBe(11 * 1024 * 1024);
    expect(createHash("sha256").update(back).digest("hex")).toBe(expected.digest("hex"));
  });

  it("leaves no object when the body fails, in one part or in many", async () => {
    const failure = new Error("client went away");
    await expect(storage.put("cut/small.bin", streamOfChunks([new Uint8Array(1000)], failure))).rejects.toThrow(
      "client went away",
    );
    expect(await sdkExists("cut/small.bin")).toBe(false);
    const mib = new Uint8Array(1024 * 1024);
    await expect(
      storage.put(
        "cut/large.bin",
        streamOfChunks(
          Array.from({ length: 7 }, () => mib),
          failure,
        ),
      ),
    ).rejects.toThrow("client went away");
    expect(await sdkExists("cut/large.bin")).toBe(false);
  });

  it("addresses the bucket by host name in virtual-host style", async () => {
    const virtualHost = createS3Storage({
      bucket: BUCKET,
      endpoint: `http://s3.localhost:${s3.port}`,
      forcePathStyle: false,
      ...S3_KEY,
      fetch: sdkCheckedFetch(loopbackFetch(s3.port), S3_KEY),
    });
    await virtualHost.put("vhost/object.txt", new TextEncoder().encode("by host name"), { contentType: "text/plain" });
    expect((await sdkBytes("vhost/object.txt")).toString()).toBe("by host name");
    const back = await virtualHost.get("vhost/object.txt");
    expect(await text(back!.body)).toBe("by host name");
    await virtualHost.delete("vhost/object.txt");
    expect(await sdkExists("vhost/object.txt")).toBe(false);
  });

  it("presigns a PUT and a GET that work with plain fetch, and the signature is checked", async () => {
    const put = await storage.presign!("presigned/file.txt", {
      method: "PUT",
      expiresIn: 60,
      contentType: "text/plain",
    });
    const uploaded = await fetch(put.url, { method: "PUT", headers: put.headers, body: "direct to bucket" });
    expect(uploaded.status).toBe(200);
    expect((await sdkBytes("presigned/file.txt")).toString()).toBe("direct to bucket");
    const get = await storage.presign!("presigned/file.txt", { method: "GET", expiresIn: 60 });
    expect(await (await fetch(get.url)).text()).toBe("direct to bucket");
    // s3rver does not check V4 signatures; the AWS SDK's presigner must produce the same ones.
    expect(new URL(get.url).searchParams.get("X-Amz-Signature")).toBe(
      await sdkPresignature(new URL(get.url), "GET", S3_KEY),
    );
    expect(new URL(put.url).searchParams.get("X-Amz-Signature")).toBe(
      await sdkPresignature(new URL(put.url), "PUT", S3_KEY, put.headers),
    );
  });

  it("answers StorageUnavailableError when the backend cannot be reached or refuses the credentials", async () => {
    const down = createS3Storage({ bucket: BUCKET, endpoint: "http://127.0.0.1:9", ...S3_KEY });
    await expect(down.put("x.txt", new TextEncoder().encode("x"))).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(down.get("x.txt")).rejects.toBeInstanceOf(StorageUnavailableError);
    const unknownKey = createS3Storage({
      bucket: BUCKET,
      endpoint: s3.endpoint,
      accessKeyId: "NOBODY",
      secretAccessKey: "wrong",
    });
    await expect(unknownKey.put("x.txt", new TextEncoder().encode("x"))).rejects.toThrow(/InvalidAccessKeyId/);
    const missingBucket = createS3Storage({ bucket: "no-such-bucket", endpoint: s3.endpoint, ...S3_KEY });
    await expect(missingBucket.put("x.txt", new TextEncoder().encode("x"))).rejects.toThrow(/NoSuchBucket/);
  });

  it("had every request it sent confirmed by the AWS SDK's signer", () => {
    expect(checked.count).toBeGreaterThan(10);
  });

  it("refuses keys that could escape the bucket's namespace", async () => {
    for (const key of ["../x", "/abs", "a//b", "a/./b", "nul\0byte", "back\\slash", ""]) {
      await expect(storage.put(key, new Uint8Array(1))).rejects.toThrow(/not a valid storage key/);
    }
  });
});
