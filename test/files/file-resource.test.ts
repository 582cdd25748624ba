/**
 * `app.fileResource(...)` end to end over SQLite and in-memory storage: uploads (multipart and
 * raw), the recorded columns and hash, the whole resource surface still there, every bad input of
 * the issue as a problem with a stable code and nothing half-written (no object without a row, no
 * row without an object), cleanup on delete, and downloads (ranges, ETags, dispositions, scopes).
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryStorage, createS3Storage, type MemoryStorage, type StorageAdapter } from "../../src/files";
import { ProblemError } from "../../src/kernel/errors";
import { EXE, filesApp, json, MULTIPART, multipart, PNG, type FilesAppOptions } from "./helpers/files-app";

let close: (() => void) | undefined;
afterEach(() => close?.());

async function setup(options: FilesAppOptions & { storage?: StorageAdapter } = {}) {
  const storage = (options.storage ?? createMemoryStorage()) as MemoryStorage;
  const made = await filesApp({ ...options, storage });
  close = made.close;
  return { ...made, storage };
}

const ANN = { "x-test-user": "ann" };
const BOB = { "x-test-user": "bob" };

function upload(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  body: BodyInit,
  headers: Record<string, string> = {},
  path = "/api/files",
) {
  return app.request(path, {
    method: "POST",
    body,
    headers: { "content-type": MULTIPART, ...ANN, ...headers },
    duplex: "half",
  } as RequestInit);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const body = await json(response);
  expect(body.code).toBe(code);
  return body;
}

/** A body that yields `chunks` chunks of `size` bytes, counting what was pulled, optionally failing after them. */
function countingBody(head: Uint8Array, chunks: number, size: number, fail?: Error) {
  const pulled = { bytes: 0 };
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) {
        sent++;
        pulled.bytes += head.length;
        return controller.enqueue(head);
      }
      if (sent > chunks) return fail ? controller.error(fail) : controller.close();
      sent++;
      pulled.bytes += size;
      controller.enqueue(new Uint8Array(size).fill(65));
    },
  });
  return { stream, pulled };
}

describe("file resource: uploads", () => {
  it("stores a multipart upload and records key, name, size, type, hash and owner", async () => {
    const { app, storage, rows } = await setup({ allowedMimeTypes: ["image/png"] });
    const response = await upload(
      app,
      multipart({ title: "Holiday" }, { name: "beach.png", type: "image/png", bytes: PNG }),
    );
    expect(response.status).toBe(201);
    const row = await json(response);
    expect(row).toMatchObject({
      name: "beach.png",
      size: PNG.length,
      mimeType: "image/png",
      hash: sha256(PNG),
      userId: "ann",
      title: "Holiday",
    });
    expect(row.key).toMatch(/^files\/u-ann\/[0-9a-f-]{36}\.png$/);
    expect(response.headers.get("location")).toBe(`/api/files/${row.id}`);
    expect(storage.keys()).toEqual([row.key]);
    expect(rows()).toHaveLength(1);
  });

  it("takes a raw body with ?name= and the row's JSON 'data' field in a form", async () => {
    const { app } = await setup();
    const raw = await app.request("/api/files?name=notes%20%C3%BC.txt", {
      method: "POST",
      body: "hello",
      headers: { "content-type": "text/plain", ...ANN },
    });
    expect(raw.status).toBe(201);
    expect(await json(raw)).toMatchObject({ name: "notes ü.txt", size: 5, mimeType: "text/plain" });
    const form = await upload(
      app,
      multipart(
        { data: JSON.stringify({ title: "From data" }) },
        { name: "a.txt", type: "text/plain", bytes: new TextEncoder().encode("x") },
      ),
    );
    expect(await json(form)).toMatchObject({ title: "From data" });
  });

  it("keeps the whole resource surface: list, get, filter, patch (file columns stay the server's), delete", async () => {
    const { app, storage } = await setup();
    const created = await json(
      await upload(
        app,
        multipart({ title: "one" }, { name: "a.txt", type: "text/plain", bytes: new TextEncoder().encode("a") }),
      ),
    );
    await upload(
      app,
      multipart({ title: "two" }, { name: "b.txt", type: "text/plain", bytes: new TextEncoder().encode("b") }),
    );
    const list = await json(await app.request("/api/files?filter=title==one", { headers: ANN }));
    expect(list.items.map((r: { title: string }) => r.title)).toEqual(["one"]);
    expect((await json(await app.request("/api/files", { headers: BOB }))).items).toEqual([]);
    const patched = await app.request(`/api/files/${created.id}`, {
      method: "PATCH",
      body: JSON.stringify({ title: "renamed", key: "files/u-bob/stolen", size: 1 }),
      headers: { "content-type": "application/json", ...ANN },
    });
    expect(await json(patched)).toMatchObject({
      title: "renamed",
      key: created.key,
      size: 1 === created.size ? 1 : created.size,
    });
    const forged = await upload(
      app,
      multipart(
        { data: JSON.stringify({ key: "x/y", size: 999, hash: "0", userId: "bob" }) },
        { name: "c.txt", type: "text/plain", bytes: new TextEncoder().encode("c") },
      ),
    );
    expect(await json(forged)).toMatchObject({ size: 1, userId: "ann", hash: sha256(new TextEncoder().encode("c")) });
    expect(storage.keys()).toHaveLength(3);
  });

  it("refuses a JSON create: a file row never exists without its object", async () => {
    const { app, rows } = await setup();
    const response = await app.request("/api/files", {
      method: "POST",
      body: JSON.stringify({ key: "x", name: "x", size: 1, mimeType: "text/plain", hash: "h" }),
      headers: { "content-type": "application/json", ...ANN },
    });
    await expectProblem(response, 415, "FILE_UPLOAD_REQUIRED");
    expect(rows()).toHaveLength(0);
  });

  it("checks create access before reading a byte of the body", async () => {
    const { app, storage } = await setup();
    const { stream, pulled } = countingBody(PNG, 100, 64 * 1024);
    const response = await app.request("/api/files?name=a.png", {
      method: "POST",
      body: stream,
      headers: { "content-type": "image/png" },
      duplex: "half",
    } as RequestInit);
    await expectProblem(response, 401, "UNAUTHORIZED");
    expect(pulled.bytes).toBeLessThan(64 * 1024);
    expect(storage.keys()).toEqual([]);
  });
});

describe("file resource: bad input and faults", () => {
  it("refuses an executable posing as an image, with or without an allowlist", async () => {
    for (const allowedMimeTypes of [["image/png"], undefined]) {
      const { app, storage, rows } = await setup(allowedMimeTypes ? { allowedMimeTypes } : {});
      await expectProblem(
        await upload(app, multipart({}, { name: "cat.png", type: "image/png", bytes: EXE })),
        415,
        "FILE_CONTENT_MISMATCH",
      );
      expect(storage.keys()).toEqual([]);
      expect(rows()).toEqual([]);
      close?.();
    }
  });

  it("refuses a PNG header on an executable's name, a declared PNG without one, and types outside the allowlist", async () => {
    const { app, storage } = await setup({ allowedMimeTypes: ["image/*"] });
    await expectProblem(
      await upload(app, multipart({}, { name: "setup.exe", type: "image/png", bytes: PNG })),
      415,
      "FILE_CONTENT_MISMATCH",
    );
    await expectProblem(
      await upload(
        app,
        multipart(
          {},
          { name: "fake.png", type: "image/png", bytes: new TextEncoder().encode("just some text pretending") },
        ),
      ),
      415,
      "FILE_CONTENT_MISMATCH",
    );
    await expectProblem(
      await upload(
        app,
        multipart({}, { name: "doc.pdf", type: "application/pdf", bytes: new TextEncoder().encode("%PDF-1.7 ...") }),
      ),
      415,
      "FILE_TYPE_NOT_ALLOWED",
    );
    await expectProblem(
      await upload(
        app,
        multipart({}, { name: "page.html", type: "text/html", bytes: new TextEncoder().encode("<script>") }),
      ),
      415,
      "FILE_TYPE_NOT_ALLOWED",
    );
    expect(storage.keys()).toEqual([]);
    const ok = await upload(app, multipart({}, { name: "real.png", type: "image/png", bytes: PNG }));
    expect(ok.status).toBe(201);
  });

  it("cuts an oversized upload at the limit while streaming, raw or multipart, and stores nothing", async () => {
    const { app, storage, rows } = await setup({ maxFileSize: 100_000 });
    const raw = countingBody(PNG, 1000, 16 * 1024);
    await expectProblem(
      await app.request("/api/files?name=big.png", {
        method: "POST",
        body: raw.stream,
        headers: { "content-type": "image/png", ...ANN },
        duplex: "half",
      } as RequestInit),
      413,
      "FILE_TOO_LARGE",
    );
    // Only what reached the limit (plus the chunk that crossed it and one read ahead) was read of 16 MB.
    expect(raw.pulled.bytes).toBeLessThan(100_000 + 3 * 16 * 1024);
    const head = new TextEncoder().encode(
      `--covaraTestBoundary\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`,
    );
    const form = countingBody(head, 1000, 16 * 1024);
    await expectProblem(await upload(app, form.stream), 413, "FILE_TOO_LARGE");
    expect(form.pulled.bytes).toBeLessThan(100_000 + 3 * 16 * 1024);
    await expectProblem(
      await app.request("/api/files?name=a.txt", {
        method: "POST",
        body: "x",
        headers: { "content-type": "text/plain", "content-length": "200000", ...ANN },
      }),
      413,
      "FILE_TOO_LARGE",
    );
    expect(storage.keys()).toEqual([]);
    expect(rows()).toEqual([]);
  });

  it("refuses a zero-byte file", async () => {
    const { app, storage } = await setup();
    await expectProblem(
      await upload(app, multipart({}, { name: "empty.txt", type: "text/plain", bytes: new Uint8Array(0) })),
      400,
      "EMPTY_FILE",
    );
    await expectProblem(
      await app.request("/api/files?name=e.txt", {
        method: "POST",
        body: "",
        headers: { "content-type": "text/plain", ...ANN },
      }),
      400,
      "EMPTY_FILE",
    );
    expect(storage.keys()).toEqual([]);
  });

  it("refuses a truncated multipart body, one without a file part, and one with two", async () => {
    const { app, storage, rows } = await setup();
    const whole = multipart(
      { title: "t" },
      { name: "a.txt", type: "text/plain", bytes: new Uint8Array(5000).fill(66) },
    );
    await expectProblem(await upload(app, whole.slice(0, whole.length - 100)), 400, "MALFORMED_MULTIPART");
    await expectProblem(await upload(app, multipart({ title: "no file" })), 400, "MALFORMED_MULTIPART");
    const two = new TextEncoder().encode(
      `--covaraTestBoundary\r\nContent-Disposition: form-data; name="a"; filename="a.txt"\r\n\r\naaa\r\n--covaraTestBoundary\r\nContent-Disposition: form-data; name="b"; filename="b.txt"\r\n\r\nbbb\r\n--covaraTestBoundary--\r\n`,
    );
    await expectProblem(await upload(app, two), 400, "MALFORMED_MULTIPART");
    await expectProblem(await upload(app, "x", { "content-type": "multipart/form-data" }), 400, "MALFORMED_MULTIPART");
    expect(storage.keys()).toEqual([]);
    expect(rows()).toEqual([]);
  });

  it("answers a part header block over the limit, sent in many small chunks, with a 413 problem and stores nothing", async () => {
    const { app, storage, rows } = await setup();
    const text = new TextEncoder().encode(
      `--covaraTestBoundary\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nX-Long: ${"a".repeat(64 * 1024)}\r\n\r\nx\r\n--covaraTestBoundary--\r\n`,
    );
    let at = 0;
    const trickle = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= text.length) return controller.close();
        controller.enqueue(text.slice(at, at + 16));
        at += 16;
      },
    });
    const problem = await expectProblem(await upload(app, trickle), 413, "MULTIPART_HEADERS_TOO_LARGE");
    expect(problem.maxHeaderBytes).toBe(16 * 1024);
    // Cut at the limit: the rest of the body was never read.
    expect(at).toBeLessThan(text.length / 2);
    expect(storage.keys()).toEqual([]);
    expect(rows()).toEqual([]);
  });

  it("leaves no object and no row when the client disconnects mid-upload", async () => {
    const { app, storage, rows } = await setup();
    const gone = countingBody(PNG, 20, 16 * 1024, new Error("socket hang up"));
    await expectProblem(
      await app.request("/api/files?name=a.png", {
        method: "POST",
        body: gone.stream,
        headers: { "content-type": "image/png", ...ANN },
        duplex: "half",
      } as RequestInit),
      400,
      "UPLOAD_INCOMPLETE",
    );
    const head = new TextEncoder().encode(
      `--covaraTestBoundary\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n`,
    );
    const goneForm = countingBody(head, 20, 16 * 1024, new Error("socket hang up"));
    expect((await upload(app, goneForm.stream)).status).toBe(400);
    expect(storage.keys()).toEqual([]);
    expect(rows()).toEqual([]);
  });

  it("answers 503 with nothing half-written when the storage backend is down", async () => {
    const down = createS3Storage({
      bucket: "b",
      endpoint: "http://127.0.0.1:9",
      accessKeyId: "k",
      secretAccessKey: "s",
    });
    const { app, rows } = await setup({ storage: down });
    const response = await upload(app, multipart({}, { name: "a.png", type: "image/png", bytes: PNG }));
    await expectProblem(response, 503, "STORAGE_UNAVAILABLE");
    expect(response.headers.get("retry-after")).toBe("5");
    expect(rows()).toEqual([]);
  });

  it("deletes the object when the row cannot be created (a hook refuses it, or a field is invalid)", async () => {
    const refuse = await setup({
      hooks: {
        onBeforeCreate: () => {
          throw new ProblemError("forbidden", { detail: "quota exceeded" });
        },
      },
    });
    await expectProblem(
      await upload(
        refuse.app,
        multipart({}, { name: "a.txt", type: "text/plain", bytes: new TextEncoder().encode("a") }),
      ),
      403,
      "FORBIDDEN",
    );
    expect(refuse.storage.keys()).toEqual([]);
    expect(refuse.rows()).toEqual([]);
    close?.();
    const invalid = await setup();
    const response = await upload(
      invalid.app,
      multipart(
        { data: JSON.stringify({ title: 42 }) },
        { name: "a.txt", type: "text/plain", bytes: new TextEncoder().encode("a") },
      ),
    );
    expect(response.status).toBe(400);
    expect(invalid.storage.keys()).toEqual([]);
  });

  it("keeps file names with ../, quotes, CRLF and Unicode harmless", async () => {
    const { app, storage } = await setup();
    const names: [string, string][] = [
      ["../../etc/passwd", "passwd"],
      ["..\\..\\boot.ini", "boot.ini"],
      ['say "hi".txt', 'say "hi".txt'],
      ["evil\r\nX-Injected: 1.txt", "evilX-Injected: 1.txt"],
      ["日本語 ✓.txt", "日本語 ✓.txt"],
      ["..", "file"],
    ];
    for (const [given, stored] of names) {
      const row = await json(
        await upload(app, multipart({}, { name: given, type: "text/plain", bytes: new TextEncoder().encode("x") })),
      );
      expect(row.name).toBe(stored);
      expect(row.key).toMatch(/^files\/u-ann\/[0-9a-f-]{36}(\.[a-z0-9]+)?$/);
      const download = await app.request(`/api/files/${row.id}/download`, { headers: ANN });
      const disposition = download.headers.get("content-disposition")!;
      expect(disposition).not.toMatch(/[\r\n]/);
      expect(download.headers.get("x-injected")).toBeNull();
    }
    const unicode = await json(
      await upload(app, multipart({}, { name: 'ü "q".txt', type: "text/plain", bytes: new TextEncoder().encode("x") })),
    );
    const disposition = (await app.request(`/api/files/${unicode.id}/download`, { headers: ANN })).headers.get(
      "content-disposition",
    );
    expect(disposition).toBe(`attachment; filename="_ \\"q\\".txt"; filename*=UTF-8''%C3%BC%20%22q%22.txt`);
    expect(storage.keys()).toHaveLength(names.length + 1);
  });
});

describe("file resource: delete cleans up storage", () => {
  it("removes the object with the row, single and batch; a soft delete keeps it", async () => {
    const { app, storage } = await setup();
    const a = await json(
      await upload(app, multipart({}, { name: "a.txt", type: "text/plain", bytes: new TextEncoder().encode("a") })),
    );
    const b = await json(
      await upload(app, multipart({}, { name: "b.txt", type: "text/plain", bytes: new TextEncoder().encode("b") })),
    );
    const c = await json(
      await upload(app, multipart({}, { name: "c.txt", type: "text/plain", bytes: new TextEncoder().encode("c") })),
    );
    expect((await app.request(`/api/files/${a.id}`, { method: "DELETE", headers: BOB })).status).toBe(404);
    expect(storage.keys()).toHaveLength(3);
    expect((await app.request(`/api/files/${a.id}`, { method: "DELETE", headers: ANN })).status).toBe(204);
    expect(storage.keys().sort()).toEqual([b.key, c.key].sort());
    const batch = await app.request("/api/files/batch", {
      method: "DELETE",
      body: JSON.stringify([b.id, c.id]),
      headers: { "content-type": "application/json", ...ANN },
    });
    expect(batch.status).toBeLessThan(300);
    expect(storage.keys()).toEqual([]);
    close?.();
    const soft = await setup({ softDelete: true });
    const kept = await json(
      await upload(
        soft.app,
        multipart({}, { name: "k.txt", type: "text/plain", bytes: new TextEncoder().encode("k") }),
      ),
    );
    expect((await soft.app.request(`/api/files/${kept.id}`, { method: "DELETE", headers: ANN })).status).toBe(204);
    expect(soft.storage.keys()).toEqual([kept.key]);
    await expectProblem(await soft.app.request(`/api/files/${kept.id}/download`, { headers: ANN }), 404, "NOT_FOUND");
  });
});

describe("file resource: downloads", () => {
  const content = new TextEncoder().encode("0123456789abcdef");

  it("sends the file with its headers, ranges (206/416) and conditional requests (304)", async () => {
    const { app } = await setup();
    const row = await json(
      await upload(app, multipart({}, { name: "digits.txt", type: "text/plain", bytes: content })),
    );
    const whole = await app.request(`/api/files/${row.id}/download`, { headers: ANN });
    expect(whole.status).toBe(200);
    expect(await whole.text()).toBe("0123456789abcdef");
    expect(Object.fromEntries(whole.headers)).toMatchObject({
      "content-type": "text/plain",
      "content-length": "16",
      "content-disposition": 'attachment; filename="digits.txt"',
      "x-content-type-options": "nosniff",
      "accept-ranges": "bytes",
      etag: `"sha256-${sha256(content)}"`,
    });
    const part = await app.request(`/api/files/${row.id}/download`, { headers: { ...ANN, range: "bytes=2-5" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 2-5/16");
    expect(await part.text()).toBe("2345");
    const suffix = await app.request(`/api/files/${row.id}/download`, { headers: { ...ANN, range: "bytes=-3" } });
    expect(await suffix.text()).toBe("def");
    const open = await app.request(`/api/files/${row.id}/download`, { headers: { ...ANN, range: "bytes=10-" } });
    expect(await open.text()).toBe("abcdef");
    const beyond = await app.request(`/api/files/${row.id}/download`, { headers: { ...ANN, range: "bytes=99-" } });
    await expectProblem(beyond, 416, "RANGE_NOT_SATISFIABLE");
    expect(beyond.headers.get("content-range")).toBe("bytes */16");
    const cached = await app.request(`/api/files/${row.id}/download`, {
      headers: { ...ANN, "if-none-match": whole.headers.get("etag")! },
    });
    expect(cached.status).toBe(304);
    const staleRange = await app.request(`/api/files/${row.id}/download`, {
      headers: { ...ANN, range: "bytes=0-1", "if-range": '"other"' },
    });
    expect(staleRange.status).toBe(200);
    const inline = await app.request(`/api/files/${row.id}/download?disposition=inline`, { headers: ANN });
    expect(inline.headers.get("content-disposition")).toBe('inline; filename="digits.txt"');
  });

  it("enforces the read scope: another user gets 404, an anonymous caller 401, unless files are public", async () => {
    const { app } = await setup();
    const row = await json(
      await upload(app, multipart({}, { name: "private.txt", type: "text/plain", bytes: content })),
    );
    await expectProblem(await app.request(`/api/files/${row.id}/download`, { headers: BOB }), 404, "NOT_FOUND");
    await expectProblem(await app.request(`/api/files/${row.id}/download`), 401, "UNAUTHORIZED");
    await expectProblem(await app.request("/api/files/999/download", { headers: ANN }), 404, "NOT_FOUND");
    close?.();
    const open = await setup({ publicRead: true });
    const shared = await json(
      await upload(open.app, multipart({}, { name: "shared.txt", type: "text/plain", bytes: content })),
    );
    const anonymous = await open.app.request(`/api/files/${shared.id}/download`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get("cache-control")).toContain("public");
  });

  it("never sends active content inline, and answers 404 FILE_MISSING when the object is gone", async () => {
    const { app, storage } = await setup();
    const html = await json(
      await app.request("/api/files?name=page.html", {
        method: "POST",
        body: "<script>alert(1)</script>",
        headers: { "content-type": "text/html", ...ANN },
      }),
    );
    const inline = await app.request(`/api/files/${html.id}/download?disposition=inline`, { headers: ANN });
    expect(inline.headers.get("content-disposition")).toMatch(/^attachment;/);
    expect(inline.headers.get("content-security-policy")).toContain("sandbox");
    await storage.delete(html.key);
    await expectProblem(await app.request(`/api/files/${html.id}/download`, { headers: ANN }), 404, "FILE_MISSING");
  });
});
