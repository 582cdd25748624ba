/**
 * The streaming multipart reader: fields and files in any chunking (down to one byte per chunk,
 * and a delimiter split across chunks), file names with quotes, CRLF, `../` and Unicode, and
 * malformed bodies (truncated, no boundary) as `malformed-multipart` problems, and header blocks
 * over the limit as `multipart-headers-too-large`, found with work linear in the input however it
 * is chunked (the reader's `headerBytesScanned` seam).
 */
import { describe, expect, it } from "vitest";
import { MAX_HEADER_BYTES, MultipartReader, multipartBoundary } from "../../src/files/multipart";
import { ProblemError } from "../../src/kernel/errors";

const BOUNDARY = "----covaraBoundary7MA4YWxkTrZu0gW";

/** `bytes` in chunks of `chunkSize`; `pulled.bytes` counts what the reader took from it. */
function streamOf(bytes: Uint8Array, chunkSize: number, pulled = { bytes: 0 }): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const chunk = bytes.slice(at, at + chunkSize);
      pulled.bytes += chunk.length;
      controller.enqueue(chunk);
      at += chunkSize;
    },
  });
}

async function readAll(
  body: Uint8Array,
  chunkSize: number,
  reader = new MultipartReader(streamOf(body, chunkSize).getReader(), BOUNDARY),
) {
  const parts: { name: string; filename?: string; contentType?: string; data: string }[] = [];
  let current: (typeof parts)[number] | undefined;
  const chunks: Uint8Array[] = [];
  for (;;) {
    const event = await reader.next();
    if (event.kind === "end") break;
    if (event.kind === "part") {
      current = { ...event.headers, data: "" };
      chunks.length = 0;
    } else if (event.kind === "data") chunks.push(event.bytes.slice());
    else if (event.kind === "part-end") {
      current!.data = Buffer.concat(chunks).toString("latin1");
      parts.push(current!);
    }
  }
  return parts;
}

const encode = (text: string) => new Uint8Array(Buffer.from(text, "latin1"));

const binary = String.fromCharCode(...Array.from({ length: 300 }, (_, i) => i % 256)) + "\r\n--" + "\r\n-" + "\r";

function body(): Uint8Array {
  return encode(
    "preamble to ignore\r\n" +
      `--${BOUNDARY}\r\n` +
      'Content-Disposition: form-data; name="title"\r\n\r\n' +
      "My holiday\r\n" +
      `--${BOUNDARY}\r\n` +
      'Content-Disposition: form-data; name="file"; filename="photo.png"\r\n' +
      "Content-Type: image/png\r\n\r\n" +
      binary +
      `\r\n--${BOUNDARY}\r\n` +
      'Content-Disposition: form-data; name="empty"; filename="zero.txt"\r\n\r\n' +
      `\r\n--${BOUNDARY}--\r\nepilogue`,
  );
}

describe("multipart reader", () => {
  for (const chunkSize of [1, 2, 7, 64, 1 << 20]) {
    it(`reads fields and files whatever the chunking (${chunkSize}-byte chunks)`, async () => {
      const parts = await readAll(body(), chunkSize);
      expect(parts.map((p) => p.name)).toEqual(["title", "file", "empty"]);
      expect(parts[0]!.data).toBe("My holiday");
      expect(parts[1]).toMatchObject({ filename: "photo.png", contentType: "image/png" });
      expect(parts[1]!.data).toBe(binary);
      expect(parts[2]!.data).toBe("");
    });
  }

  it("decodes file names: escaped quotes, percent-encoded CRLF and quotes, filename*, raw UTF-8", async () => {
    const names = [
      ['filename="a\\"b.txt"', 'a"b.txt'],
      ['filename="evil%0D%0AX-Injected: 1.txt"', "evil\r\nX-Injected: 1.txt"],
      ['filename="say %22hi%22.txt"', 'say "hi".txt'],
      ["filename=\"fallback.txt\"; filename*=UTF-8''%C3%BCber%20%E2%9C%93.txt", "über ✓.txt"],
      ['filename="../../etc/passwd"', "../../etc/passwd"],
      // A `;` and a `name=` inside a quoted file name are part of it, not parameters.
      ['filename="semi; name=\\"x\\".txt"', 'semi; name="x".txt'],
      ["filename=plain.txt ", "plain.txt"],
    ];
    for (const [parameter, expected] of names) {
      const text = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; ${parameter}\r\n\r\nx\r\n--${BOUNDARY}--\r\n`;
      const parts = await readAll(new TextEncoder().encode(text), 5);
      expect(parts[0]!.filename).toBe(expected);
    }
    const raw = new TextEncoder().encode(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="日本語.png"\r\n\r\nx\r\n--${BOUNDARY}--\r\n`,
    );
    expect((await readAll(raw, 3))[0]!.filename).toBe("日本語.png");
  });

  it("refuses a truncated body, a missing header and a bad boundary line", async () => {
    const cases = [
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nhalf a file`,
      `--${BOUNDARY}\r\nContent-Disposition: form-da`,
      `--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${BOUNDARY}--`,
      `--${BOUNDARY}garbage\r\n\r\n`,
      "no boundary at all",
    ];
    for (const text of cases) {
      const error = await readAll(encode(text), 11).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProblemError);
      expect((error as ProblemError).code).toBe("MALFORMED_MULTIPART");
    }
  });

  it("finds a header block sent one byte per chunk with work linear in its size", async () => {
    // Just under the limit: with a rescan from the block's start per chunk this took ~n²/2 steps.
    const filler = `X-Filler: ${"a".repeat(MAX_HEADER_BYTES - 200)}\r\n`;
    const text = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n${filler}\r\nhello\r\n--${BOUNDARY}--\r\n`;
    const reader = new MultipartReader(streamOf(encode(text), 1).getReader(), BOUNDARY);
    const parts = await readAll(encode(text), 1, reader);
    expect(parts).toEqual([{ name: "f", filename: "a.txt", data: "hello" }]);
    expect(reader.headerBytesScanned).toBeGreaterThan(MAX_HEADER_BYTES - 200);
    // Each byte is searched about once (plus three of overlap per chunk), never once per chunk.
    expect(reader.headerBytesScanned).toBeLessThan(5 * text.length);
  });

  for (const chunkSize of [1, 100, 1 << 20]) {
    it(`refuses a header block over the limit as multipart-headers-too-large without reading on (${chunkSize}-byte chunks)`, async () => {
      const text = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nX-Long: ${"a".repeat(4 * MAX_HEADER_BYTES)}\r\n\r\nx\r\n--${BOUNDARY}--`;
      const pulled = { bytes: 0 };
      const reader = new MultipartReader(streamOf(encode(text), chunkSize, pulled).getReader(), BOUNDARY);
      const error = await readAll(encode(text), chunkSize, reader).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProblemError);
      expect((error as ProblemError).code).toBe("MULTIPART_HEADERS_TOO_LARGE");
      expect((error as ProblemError).status).toBe(413);
      // The reader stops within a chunk or two (the stream's read-ahead) of the limit, and searched
      // each byte a bounded number of times (a rescan per chunk would be ~134 million here).
      expect(pulled.bytes).toBeLessThanOrEqual(Math.min(text.length, MAX_HEADER_BYTES + 200 + 2 * chunkSize));
      expect(reader.headerBytesScanned).toBeLessThan(5 * (MAX_HEADER_BYTES + 200));
    });
  }

  it("refuses endless whitespace after a boundary as multipart-headers-too-large", async () => {
    const text = `--${BOUNDARY}${" ".repeat(3 * MAX_HEADER_BYTES)}\r\n\r\nx\r\n--${BOUNDARY}--`;
    const error = await readAll(encode(text), 7).catch((e: unknown) => e);
    expect((error as ProblemError).code).toBe("MULTIPART_HEADERS_TOO_LARGE");
  });

  it("reads the boundary from the Content-Type", () => {
    expect(multipartBoundary("multipart/form-data; boundary=abc")).toBe("abc");
    expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b"')).toBe("a b");
    expect(multipartBoundary("image/png")).toBeNull();
    expect(() => multipartBoundary("multipart/form-data")).toThrow(ProblemError);
  });
});
