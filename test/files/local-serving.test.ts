/**
 * Local files served at the storage's baseUrl by createCovara: the owner reads them (ranges and
 * all), anyone else gets the same 404 as for a missing key, and no request path reaches outside
 * the base directory — encoded `..`, absolute paths, NUL bytes, backslashes, symlinks.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalStorage } from "../../src/files";
import { filesApp, json, MULTIPART, multipart } from "./helpers/files-app";

const base = mkdtempSync(join(tmpdir(), "covara-serve-"));
const outside = mkdtempSync(join(tmpdir(), "covara-outside-"));
let made: Awaited<ReturnType<typeof filesApp>>;
let key: string;

beforeAll(async () => {
  writeFileSync(join(outside, "secret.txt"), "top secret");
  made = await filesApp({ storage: createLocalStorage({ basePath: base, baseUrl: "/uploads" }) });
  const response = await made.app.request("/api/files", {
    method: "POST",
    body: multipart({}, { name: "notes.txt", type: "text/plain", bytes: new TextEncoder().encode("local content") }),
    headers: { "content-type": MULTIPART, "x-test-user": "ann" },
  });
  key = (await json(response)).key;
});
afterAll(() => {
  made.close();
  rmSync(base, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

async function expectNotFound(path: string, user = "ann") {
  const response = await made.app.request(path, { headers: { "x-test-user": user } });
  expect(response.status, path).toBe(404);
  expect((await json(response)).code).toBe("NOT_FOUND");
}

describe("local serving at baseUrl", () => {
  it("serves the owner's file with the download headers and ranges", async () => {
    const response = await made.app.request(`/uploads/${key}`, { headers: { "x-test-user": "ann" } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("local content");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="notes.txt"');
    const range = await made.app.request(`/uploads/${key}`, { headers: { "x-test-user": "ann", range: "bytes=6-12" } });
    expect(range.status).toBe(206);
    expect(await range.text()).toBe("content");
    const head = await made.app.request(`/uploads/${key}`, { method: "HEAD", headers: { "x-test-user": "ann" } });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("13");
  });

  it("enforces the read scope: another user's request is a 404, an anonymous one a 401", async () => {
    await expectNotFound(`/uploads/${key}`, "bob");
    const anonymous = await made.app.request(`/uploads/${key}`);
    expect(anonymous.status).toBe(401);
  });

  it("never reaches outside the base directory", async () => {
    const attempts = [
      "/uploads/%2e%2e/%2e%2e/etc/passwd",
      "/uploads/files/..%2f..%2f..%2fetc%2fpasswd",
      "/uploads/%2fetc%2fpasswd",
      "/uploads//etc/passwd",
      `/uploads/${key}%00.png`,
      "/uploads/files%5c..%5c..%5csecret.txt",
      "/uploads/%E0%A4%A",
      `/uploads/${encodeURIComponent(outside)}/secret.txt`,
      "/uploads/files/u-ann/does-not-exist.txt",
    ];
    for (const path of attempts) await expectNotFound(path);
  });

  it("does not follow a symlink out of the base directory, even for a row that names it", async () => {
    mkdirSync(join(base, "files", "u-ann"), { recursive: true });
    symlinkSync(join(outside, "secret.txt"), join(base, "files", "u-ann", "link.txt"));
    expect(made.rows().length).toBe(1);
    // A row pointing at the symlink (as if planted): served as not found, never the outside file.
    const insert = await made.app.request("/api/files", {
      method: "POST",
      body: multipart({}, { name: "x.txt", type: "text/plain", bytes: new TextEncoder().encode("x") }),
      headers: { "content-type": MULTIPART, "x-test-user": "ann" },
    });
    const row = await json(insert);
    const { sql } = await import("drizzle-orm");
    made.db.run(sql`update files set key = 'files/u-ann/link.txt' where id = ${row.id}`);
    await expectNotFound("/uploads/files/u-ann/link.txt");
    const download = await made.app.request(`/api/files/${row.id}/download`, { headers: { "x-test-user": "ann" } });
    expect(download.status).toBe(404);
    expect(await download.text()).not.toContain("top secret");
  });
});
