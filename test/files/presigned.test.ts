/**
 * Presigned direct-to-bucket transfers against s3rver: presign, upload straight to the bucket,
 * confirm (the row appears only then, after the object's size and type were checked), download by
 * redirect to a presigned GET, and every way a confirmation can be wrong.
 */
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryStorage, createS3Storage } from "../../src/files";
import { EXE, filesApp, json, PNG } from "./helpers/files-app";
import { S3_KEY, startLocalS3, type LocalS3 } from "./helpers/s3-server";

const BUCKET = "presigned";
let s3: LocalS3;
let made: Awaited<ReturnType<typeof filesApp>>;

beforeAll(async () => {
  s3 = await startLocalS3([BUCKET]);
  made = await filesApp({
    storage: createS3Storage({ bucket: BUCKET, endpoint: s3.endpoint, ...S3_KEY }),
    allowedMimeTypes: ["image/png", "text/plain"],
    maxFileSize: 10_000,
    usePresignedUrls: { expiresIn: 60 },
  });
});
afterAll(async () => {
  made.close();
  await s3.close();
});

const ANN = { "x-test-user": "ann" };

async function post(path: string, body: unknown, user: Record<string, string> = ANN) {
  return made.app.request(`/api/files${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", ...user },
  });
}

async function presignAndPut(name: string, type: string, declared: number, bytes: Uint8Array<ArrayBuffer>) {
  const presigned = await json(await post("/presign", { name, type, size: declared }));
  const put = await fetch(presigned.upload.url, { method: "PUT", headers: presigned.upload.headers, body: bytes });
  expect(put.status).toBe(200);
  return presigned as { token: string; upload: { url: string } };
}

async function objectExists(url: string): Promise<boolean> {
  const key = decodeURIComponent(new URL(url).pathname.split("/").slice(2).join("/"));
  try {
    await s3.sdk.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch {
    return false;
  }
}

describe("presigned uploads", () => {
  it("uploads straight to the bucket; the row appears only once confirmed, with the checked size and hash", async () => {
    const presigned = await presignAndPut("photo.png", "image/png", PNG.length, PNG);
    expect(presigned.upload.url).toContain("X-Amz-Signature=");
    expect(made.rows()).toHaveLength(0);
    const confirmed = await post("/confirm", { token: presigned.token, data: { title: "direct" } });
    expect(confirmed.status).toBe(201);
    const row = await json(confirmed);
    expect(row).toMatchObject({
      name: "photo.png",
      size: PNG.length,
      mimeType: "image/png",
      title: "direct",
      userId: "ann",
      hash: createHash("sha256").update(PNG).digest("hex"),
    });
    // Download: a redirect to a presigned GET that the bucket answers.
    const download = await made.app.request(`/api/files/${row.id}/download`, { headers: ANN });
    expect(download.status).toBe(302);
    const location = download.headers.get("location")!;
    expect(location).toContain("response-content-disposition=");
    const fetched = await fetch(location);
    expect(new Uint8Array(await fetched.arrayBuffer())).toEqual(PNG);
    // Confirming twice does nothing.
    const again = await post("/confirm", { token: presigned.token });
    expect((await json(again)).code).toBe("PRESIGNED_UPLOAD_NOT_FOUND");
  });

  it("refuses at presign time what the limits refuse: oversize, zero bytes, a type outside the allowlist", async () => {
    expect((await json(await post("/presign", { name: "big.png", type: "image/png", size: 10_001 }))).code).toBe(
      "FILE_TOO_LARGE",
    );
    expect((await json(await post("/presign", { name: "e.png", type: "image/png", size: 0 }))).code).toBe("EMPTY_FILE");
    expect((await json(await post("/presign", { name: "d.pdf", type: "application/pdf", size: 5 }))).code).toBe(
      "FILE_TYPE_NOT_ALLOWED",
    );
    expect((await json(await post("/presign", { name: "x.png", type: "image/png" }))).code).toBe("VALIDATION_ERROR");
    expect(
      (
        await made.app.request("/api/files/presign", {
          method: "POST",
          body: "{}",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(401);
  });

  it("deletes an uploaded object that does not match its declaration, and creates no row", async () => {
    const before = made.rows().length;
    const wrongSize = await presignAndPut("a.txt", "text/plain", 3, new TextEncoder().encode("longer than declared"));
    const sizeAnswer = await post("/confirm", { token: wrongSize.token });
    expect(sizeAnswer.status).toBe(422);
    expect((await json(sizeAnswer)).code).toBe("PRESIGNED_UPLOAD_MISMATCH");
    expect(await objectExists(wrongSize.upload.url)).toBe(false);
    const spoofed = await presignAndPut("cat.png", "image/png", EXE.length, EXE);
    const spoofAnswer = await post("/confirm", { token: spoofed.token });
    expect((await json(spoofAnswer)).code).toBe("FILE_CONTENT_MISMATCH");
    expect(await objectExists(spoofed.upload.url)).toBe(false);
    expect(made.rows().length).toBe(before);
  });

  it("refuses a token that is unknown, never uploaded to, or someone else's", async () => {
    expect((await json(await post("/confirm", { token: "made-up" }))).code).toBe("PRESIGNED_UPLOAD_NOT_FOUND");
    const never = await json(await post("/presign", { name: "n.txt", type: "text/plain", size: 3 }));
    expect((await json(await post("/confirm", { token: never.token }))).code).toBe("PRESIGNED_UPLOAD_NOT_FOUND");
    const anns = await presignAndPut("mine.txt", "text/plain", 4, new TextEncoder().encode("mine"));
    expect((await json(await post("/confirm", { token: anns.token }, { "x-test-user": "bob" }))).code).toBe(
      "PRESIGNED_UPLOAD_NOT_FOUND",
    );
    expect((await post("/confirm", { token: anns.token })).status).toBe(201);
  });

  it("hands out URLs that stop working when they expire", async () => {
    const short = await filesApp({
      storage: createS3Storage({ bucket: BUCKET, endpoint: s3.endpoint, ...S3_KEY }),
      usePresignedUrls: { expiresIn: 1 },
    });
    const presigned = await json(
      await short.app.request("/api/files/presign", {
        method: "POST",
        body: JSON.stringify({ name: "late.txt", type: "text/plain", size: 4 }),
        headers: { "content-type": "application/json", ...ANN },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const late = await fetch(presigned.upload.url, { method: "PUT", headers: presigned.upload.headers, body: "late" });
    expect(late.status).toBe(403);
    short.close();
  });

  it("is refused at start-up on a backend that cannot presign", async () => {
    await expect(filesApp({ storage: createMemoryStorage(), usePresignedUrls: true })).rejects.toThrow(
      /usePresignedUrls needs a storage backend that presigns/,
    );
  });
});
