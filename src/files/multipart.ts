/**
 * A streaming `multipart/form-data` reader over Web streams (RFC 7578), so it runs on Node and
 * Workers alike: it never holds a part's body, only a bounded header block and at most one
 * delimiter's length of lookahead. It is pull-based: `next()` yields the next event (a part's
 * headers, a slice of its body, its end, the end of the body), so a consumer that stops reading
 * stops the upload; a body that ends early is a `malformed-multipart` problem.
 */
import { ProblemError } from "../kernel/errors";
import "./problems";
import { concat } from "./storage/streams";

export interface PartHeaders {
  /** The form field name. */
  name: string;
  /** The client's file name (a file part), decoded from `filename*` or `filename`. */
  filename?: string;
  contentType?: string;
}

export type MultipartEvent =
  | { kind: "part"; headers: PartHeaders }
  | { kind: "data"; bytes: Uint8Array }
  | { kind: "part-end" }
  | { kind: "end" };

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
/** Largest header block of one part (and most whitespace allowed after a boundary). */
export const MAX_HEADER_BYTES = 16 * 1024;
const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });
const FORM_DATA = /^form-data\b/i;

function malformed(detail: string): ProblemError {
  return new ProblemError("malformed-multipart", { detail });
}

function headersTooLarge(): ProblemError {
  // The rest of the body is never read, so the connection closes after the answer.
  return new ProblemError("multipart-headers-too-large", {
    detail: `A part's header block exceeds ${MAX_HEADER_BYTES} bytes`,
    extensions: { maxHeaderBytes: MAX_HEADER_BYTES },
    headers: { connection: "close" },
  });
}

/** The boundary of a multipart/form-data Content-Type, or null when it is not one. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw malformed("multipart/form-data without a boundary parameter");
  return boundary;
}

/**
 * The parameters of a Content-Disposition value (`form-data; name="a"; filename*=UTF-8''b`), read
 * once left to right so a `;` or `name=` inside a quoted file name is never taken for a parameter.
 * The first occurrence of a name wins. Quoted values keep their escapes; `parameterValue` decodes.
 */
function dispositionParameters(value: string): Map<string, { text: string; quoted: boolean }> {
  const parameters = new Map<string, { text: string; quoted: boolean }>();
  let at = value.indexOf(";");
  while (at !== -1) {
    const equals = value.indexOf("=", at + 1);
    if (equals === -1) break;
    const name = value
      .slice(at + 1, equals)
      .trim()
      .toLowerCase();
    let start = equals + 1;
    while (value[start] === " " || value[start] === "\t") start++;
    let entry: { text: string; quoted: boolean };
    if (value[start] === '"') {
      let end = start + 1;
      while (end < value.length && value[end] !== '"') end += value[end] === "\\" ? 2 : 1;
      entry = { text: value.slice(start + 1, Math.min(end, value.length)), quoted: true };
      at = value.indexOf(";", end);
    } else {
      at = value.indexOf(";", start);
      entry = { text: value.slice(start, at === -1 ? value.length : at).trim(), quoted: false };
    }
    if (name && !parameters.has(name)) parameters.set(name, entry);
  }
  return parameters;
}

const UTF8_EXTENDED = /^UTF-8'[^']*'(.*)$/i;

/** A parameter's value: `name*` (RFC 8187) first, then the quoted or token `name`. */
function parameterValue(parameters: Map<string, { text: string; quoted: boolean }>, name: string): string | undefined {
  const extended = parameters.get(`${name}*`)?.text;
  const encoded = extended === undefined ? undefined : UTF8_EXTENDED.exec(extended)?.[1];
  if (encoded !== undefined) {
    try {
      return decodeURIComponent(encoded);
    } catch {
      throw malformed(`${name}* is not valid percent-encoded UTF-8`);
    }
  }
  const plain = parameters.get(name);
  if (!plain) return undefined;
  // Browsers percent-encode `"`, CR and LF and send backslashes as they are (Windows paths), so
  // only `\"` (curl's escape of a quote) is undone.
  if (plain.quoted)
    return plain.text.replace(/\\"/g, '"').replace(/%22/g, '"').replace(/%0D/gi, "\r").replace(/%0A/gi, "\n");
  // A token ends at whitespace.
  return plain.text.split(/\s/, 1)[0] || undefined;
}

function parseHeaders(block: Uint8Array): PartHeaders {
  let text: string;
  try {
    text = utf8.decode(block);
  } catch {
    throw malformed("A part's headers are not UTF-8");
  }
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    else if (name === "content-type") contentType = value;
  }
  if (!disposition || !FORM_DATA.test(disposition))
    throw malformed("A part has no Content-Disposition: form-data header");
  const parameters = dispositionParameters(disposition);
  const name = parameterValue(parameters, "name");
  if (name === undefined) throw malformed("A part has no field name");
  const headers: PartHeaders = { name };
  const filename = parameterValue(parameters, "filename");
  if (filename !== undefined) headers.filename = filename;
  if (contentType !== undefined) headers.contentType = contentType;
  return headers;
}

type State = "headers" | "body" | "after-delimiter" | "done";

/** Reads one multipart body event by event. */
export class MultipartReader {
  /** `\r\n--boundary`: the body is read as if it began with CRLF, so the first delimiter is no special case. */
  private readonly delimiter: Uint8Array;
  private buffer: Uint8Array;
  private offset = 0;
  /**
   * Our own array `buffer` sits at the start of, with room to append: while headers trickle in,
   * chunks are appended into it (growing by doubling) instead of the unread bytes being copied
   * again for every chunk. Null while `buffer` is a chunk from the source.
   */
  private room: Uint8Array | null = null;
  /** Bytes of the current header block (from `offset`) already searched for its end. */
  private headerSearched = 0;
  /**
   * Bytes the header-end search has looked at, over the reader's life: a seam for tests, which
   * check it grows linearly with the input however the input is chunked.
   */
  headerBytesScanned = 0;
  private state: State = "body";
  private inPart = false;
  private sourceDone = false;

  constructor(
    private readonly source: ReadableStreamDefaultReader<Uint8Array>,
    boundary: string,
  ) {
    this.delimiter = encoder.encode(`\r\n--${boundary}`);
    this.buffer = new Uint8Array([CR, LF]);
  }

  /** Pulls one more chunk into the buffer; false at the end of the source. */
  private async fill(): Promise<boolean> {
    if (this.sourceDone) return false;
    const { done, value } = await this.source.read();
    if (done) {
      this.sourceDone = true;
      return false;
    }
    const { buffer, offset, room } = this;
    const rest = buffer.length - offset;
    if (rest === 0) {
      // Nothing unread: the chunk itself becomes the buffer (no copy; the common case in a body).
      this.buffer = value;
      this.offset = 0;
      this.room = null;
    } else if (
      room &&
      buffer.buffer === room.buffer &&
      buffer.byteOffset === room.byteOffset &&
      buffer.length + value.length <= room.length
    ) {
      // Append after the unread bytes; bytes already handed out as views lie before them and are not touched.
      room.set(value, buffer.length);
      this.buffer = room.subarray(0, buffer.length + value.length);
    } else {
      // In a body the unread rest is at most a delimiter's length: join exactly. Elsewhere (headers,
      // whitespace after a boundary) leave room to append, so a block sent in many small chunks is
      // copied O(1) times per byte rather than once per chunk.
      const size = rest + value.length;
      const joined = new Uint8Array(this.state === "body" ? size : Math.max(2 * size, 1024));
      joined.set(buffer.subarray(offset));
      joined.set(value, rest);
      this.buffer = joined.subarray(0, size);
      this.room = this.state === "body" ? null : joined;
      this.offset = 0;
    }
    return true;
  }

  /** Index of the delimiter in the buffer from the offset, or -1. */
  private findDelimiter(): number {
    const { buffer, delimiter } = this;
    const last = buffer.length - delimiter.length;
    let at = buffer.indexOf(CR, this.offset);
    while (at !== -1 && at <= last) {
      let i = 1;
      while (i < delimiter.length && buffer[at + i] === delimiter[i]) i++;
      if (i === delimiter.length) return at;
      at = buffer.indexOf(CR, at + 1);
    }
    return -1;
  }

  /** Where a delimiter might begin in the unsearched tail (a prefix of it ending the buffer), or the buffer's length. */
  private partialDelimiterStart(): number {
    const { buffer, delimiter } = this;
    let at = buffer.indexOf(CR, Math.max(this.offset, buffer.length - delimiter.length + 1));
    while (at !== -1) {
      let i = 1;
      while (at + i < buffer.length && buffer[at + i] === delimiter[i]) i++;
      if (at + i === buffer.length) return at;
      at = buffer.indexOf(CR, at + 1);
    }
    return buffer.length;
  }

  async next(): Promise<MultipartEvent> {
    for (;;) {
      switch (this.state) {
        case "done":
          return { kind: "end" };
        case "body": {
          const found = this.findDelimiter();
          if (found !== -1) {
            const bytes = this.buffer.subarray(this.offset, found);
            this.offset = found + this.delimiter.length;
            this.state = "after-delimiter";
            if (this.inPart && bytes.length > 0) return { kind: "data", bytes };
            if (this.inPart) {
              this.inPart = false;
              return { kind: "part-end" };
            }
            continue;
          }
          const safeEnd = this.partialDelimiterStart();
          if (safeEnd > this.offset) {
            const bytes = this.buffer.subarray(this.offset, safeEnd);
            this.offset = safeEnd;
            // Preamble bytes (before the first delimiter) are discarded.
            if (this.inPart) return { kind: "data", bytes };
          }
          if (!(await this.fill())) throw malformed("The body ended inside a part (truncated upload)");
          continue;
        }
        case "after-delimiter": {
          if (this.inPart) {
            this.inPart = false;
            return { kind: "part-end" };
          }
          // After a delimiter: "--" ends the body; otherwise optional whitespace and CRLF open a part.
          while (this.buffer.length - this.offset < 2)
            if (!(await this.fill())) throw malformed("The body ended after a boundary");
          if (this.buffer[this.offset] === DASH && this.buffer[this.offset + 1] === DASH) {
            this.state = "done";
            await this.source.cancel().catch(() => {});
            return { kind: "end" };
          }
          let at = this.offset;
          for (;;) {
            while (at + 1 >= this.buffer.length) {
              const consumed = at - this.offset;
              if (consumed > MAX_HEADER_BYTES) throw headersTooLarge();
              if (!(await this.fill())) throw malformed("The body ended after a boundary");
              at = this.offset + consumed;
            }
            const byte = this.buffer[at];
            if (byte === 0x20 || byte === 0x09) at++;
            else if (byte === CR && this.buffer[at + 1] === LF) break;
            else throw malformed("A boundary is followed by neither CRLF nor '--'");
          }
          this.offset = at + 2;
          this.state = "headers";
          this.headerSearched = 0;
          continue;
        }
        case "headers": {
          const end = this.findHeaderEnd();
          if (end === -1) {
            // No end within the largest allowed block (which ends by CRLFCRLF at offset + MAX).
            if (this.buffer.length - this.offset >= MAX_HEADER_BYTES + 4) throw headersTooLarge();
            if (!(await this.fill())) throw malformed("The body ended inside a part's headers");
            continue;
          }
          const headers = parseHeaders(this.buffer.subarray(this.offset, end));
          this.offset = end + 4;
          this.state = "body";
          this.inPart = true;
          return { kind: "part", headers };
        }
      }
    }
  }

  /**
   * Where the header block's CRLFCRLF begins, or -1. Only bytes not searched before are searched
   * (less the three a terminator split across chunks may start in), and never past the largest
   * allowed block: the work is linear in the block however it is chunked.
   */
  private findHeaderEnd(): number {
    const { buffer, offset } = this;
    // An empty header block: the part starts right after the CRLF.
    if (buffer[offset] === CR && buffer[offset + 1] === LF) return offset - 2;
    const from = offset + Math.max(0, this.headerSearched - 3);
    const stop = Math.min(buffer.length - 3, offset + MAX_HEADER_BYTES + 1);
    this.headerBytesScanned += Math.max(0, stop + 3 - from);
    let at = buffer.indexOf(CR, from);
    while (at !== -1 && at < stop) {
      if (buffer[at + 1] === LF && buffer[at + 2] === CR && buffer[at + 3] === LF) return at;
      at = buffer.indexOf(CR, at + 1);
    }
    this.headerSearched = buffer.length - offset;
    return -1;
  }

  /** A Web stream of the current part's body (reading it advances the reader to the part's end). */
  partBody(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          try {
            const event = await this.next();
            // Views into chunks the reader never writes again: passed on without a copy.
            if (event.kind === "data") controller.enqueue(event.bytes);
            else controller.close();
          } catch (error) {
            controller.error(error);
          }
        },
        cancel: async (reason) => {
          await this.source.cancel(reason).catch(() => {});
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** Skips the rest of the current part. */
  async skipPart(): Promise<void> {
    for (;;) {
      const event = await this.next();
      if (event.kind !== "data") return;
    }
  }

  /** Reads the rest of the current part as UTF-8 text, refusing more than `maxBytes`. */
  async partText(maxBytes: number): Promise<string> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const event = await this.next();
      if (event.kind !== "data") break;
      size += event.bytes.length;
      if (size > maxBytes) throw malformed(`A form field exceeds ${maxBytes} bytes`);
      // A view into a chunk the reader never writes again: kept as it is.
      chunks.push(event.bytes);
    }
    return new TextDecoder().decode(concat(chunks, size));
  }
}
