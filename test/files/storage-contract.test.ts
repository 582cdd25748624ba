/**
 * The StorageAdapter contract on the local-disk, in-memory and R2-binding adapters (the last on a
 * real R2 simulation in workerd through Miniflare; the S3 adapter has its own wire tests): round trips, ranges, atomic writes that leave nothing behind when the body
 * fails or the write is aborted, and keys that cannot escape the namespace (the local one is also
 * checked against symlinks that lead out of its base path).
 */
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { createR2BindingStorage, type R2BucketLike } from "../../src/files/storage/r2-binding";
import { createLocalStorage } from "../../src/files/storage/local";
import { createMemoryStorage } from "../../src/files/storage/memory";
import { InvalidStorageKeyError } from "../../src/files/storage/errors";
import { initializeStorage, getStorage, resetStorage } from "../../src/files/storage/initialize";
import type { StorageAdapter } from "../../src/files/storage/types";

const directories: string[] = [];
function scratch(): string {
  const directory = mkdtempSync(join(tmpdir(), "covara-storage-"));
  directories.push(directory);
  return directory;
}
let miniflare: Miniflare | undefined;
afterAll(async () => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  await miniflare?.dispose();
});

/** A fresh R2 bucket in workerd; one Miniflare for the file, one bucket per test. */
async function r2Bucket(): Promise<R2BucketLike> {
  miniflare ??= new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null); } }",
    r2Buckets: ["BUCKET"],
  });
  const bucket = await miniflare.getR2Bucket("BUCKET");
  for (const object of (await bucket.list()).objects) await bucket.delete(object.key);
  return bucket as unknown as R2BucketLike;
}

function failingStream(chunks: Uint8Array[], error: Error): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(chunks[index++]!);
      else controller.error(error);
    },
  });
}

const bytes = (text: string) => new TextEncoder().encode(text);

type Made = { storage: StorageAdapter; leftovers: () => string[] | Promise<string[]> };
const adapters: [string, () => Made | Promise<Made>][] = [
  [
    "memory",
    () => {
      const storage = createMemoryStorage();
      return { storage, leftovers: () => storage.keys() };
    },
  ],
  [
    "local",
    () => {
      const basePath = scratch();
      const walk = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
        );
      return { storage: createLocalStorage({ basePath }), leftovers: () => walk(basePath) };
    },
  ],
  [
    "r2 binding",
    async () => {
      const bucket = await r2Bucket();
      const list = bucket as unknown as { list(): Promise<{ objects: { key: string }[] }> };
      return {
        storage: createR2BindingStorage(bucket),
        leftovers: async () => (await list.list()).objects.map((o) => o.key),
      };
    },
  ],
];

for (const [name, make] of adapters) {
  describe(`${name} storage`, () => {
    it("round-trips an object, whole and by range, with head and delete", async () => {
      const { storage } = await make();
      const info = await storage.put("users/1/a.txt", bytes("0123456789"), { contentType: "text/plain" });
      expect(info.size).toBe(10);
      const whole = await storage.get("users/1/a.txt");
      expect(await new Response(whole!.body).text()).toBe("0123456789");
      expect(whole!.etag).toBeTruthy();
      const range = await storage.get("users/1/a.txt", { range: { start: 3, end: 6 } });
      expect(await new Response(range!.body).text()).toBe("3456");
      expect((await storage.head("users/1/a.txt"))?.size).toBe(10);
      await storage.delete("users/1/a.txt");
      expect(await storage.get("users/1/a.txt")).toBeNull();
      expect(await storage.head("users/1/a.txt")).toBeNull();
      await storage.delete("users/1/a.txt");
    });

    it("streams a body in and keeps nothing when it fails or the write is aborted", async () => {
      const { storage, leftovers } = await make();
      await storage.put(
        "s.bin",
        new ReadableStream({ start: (c) => (c.enqueue(bytes("ab")), c.enqueue(bytes("cd")), c.close()) }),
      );
      expect(await new Response((await storage.get("s.bin"))!.body).text()).toBe("abcd");
      await expect(
        storage.put("cut.bin", failingStream([bytes("partial")], new Error("client went away"))),
      ).rejects.toThrow("client went away");
      const controller = new AbortController();
      controller.abort(new Error("aborted by caller"));
      await expect(storage.put("aborted.bin", bytes("x"), { signal: controller.signal })).rejects.toThrow();
      expect(await storage.head("cut.bin")).toBeNull();
      expect(await storage.head("aborted.bin")).toBeNull();
      expect((await leftovers()).map((path) => path.split("/").pop())).toEqual(["s.bin"]);
    });

    it("refuses keys that could escape its namespace", async () => {
      const { storage } = await make();
      for (const key of ["../escape", "a/../../b", "/etc/passwd", "nul\0.txt", "a\\b", "a//b", "./a", ""]) {
        await expect(storage.put(key, bytes("x"))).rejects.toBeInstanceOf(InvalidStorageKeyError);
        await expect(storage.get(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      }
    });
  });
}

describe("local storage on disk", () => {
  it("does not follow a symlink out of its base path", async () => {
    const basePath = scratch();
    const outside = scratch();
    writeFileSync(join(outside, "secret.txt"), "top secret");
    symlinkSync(outside, join(basePath, "link"));
    mkdirSync(join(basePath, "users"));
    symlinkSync(join(outside, "secret.txt"), join(basePath, "users", "secret.txt"));
    const storage = createLocalStorage({ basePath });
    await expect(storage.get("link/secret.txt")).rejects.toBeInstanceOf(InvalidStorageKeyError);
    await expect(storage.get("users/secret.txt")).rejects.toBeInstanceOf(InvalidStorageKeyError);
  });

  it("reports a disk it cannot write as unavailable", async () => {
    const basePath = scratch();
    writeFileSync(join(basePath, "file"), "not a directory");
    const storage = createLocalStorage({ basePath });
    await expect(storage.put("file/child.txt", bytes("x"))).rejects.toThrow(/local storage failed/);
  });
});

describe("initializeStorage", () => {
  it("builds the configured adapter or takes one as given", () => {
    resetStorage();
    expect(getStorage()).toBeUndefined();
    const local = initializeStorage({ type: "local", local: { basePath: scratch(), baseUrl: "uploads/" } });
    expect(local.type).toBe("local");
    expect(local.baseUrl).toBe("/uploads");
    expect(initializeStorage({ type: "memory" }).type).toBe("memory");
    expect(
      initializeStorage({
        type: "r2",
        r2: { bucket: "b", endpoint: "https://acct.r2.cloudflarestorage.com", accessKeyId: "k", secretAccessKey: "s" },
      }).type,
    ).toBe("r2");
    const mine = createMemoryStorage();
    expect(initializeStorage(mine)).toBe(mine);
    expect(getStorage()).toBe(mine);
    resetStorage();
  });
});
