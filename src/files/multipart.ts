/**
 * A streaming `multipart/form-data` reader over Web streams (RFC 7578), so it runs on Node and
 * Workers alike: it never holds a part's body, only a bounded header block and at most one
 * delimiter's length of lookahead. It is pull-based: `next()` yields the next event (a part's
 * headers, a slice of its body, its end, the end of the body), so a consumer that stops reading
 * stops the upload; a body that ends early is a `malformed-multipart` problem.
 */
import { ProblemError } from "../kernel/errors";
import "./problems";

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
/** Largest header block of one part. */
const MAX_HEADER_BYTES = 16 * 1024;
const encoder = new TextEncoder();

function malformed(detail: string): ProblemError {
  return new ProblemError("malformed-multipart", { detail });
}

/** The boundary of a multipart/form-data Content-Type, or null when it is not one. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw malformed("multipart/form-data without a boundary parameter");
  return boundary;
}

/** Decodes a quoted-string parameter value (browsers percent-encode `"` CR LF in file names). */
function parameter(header: string, name: string): string | undefined {
  const extended = new RegExp(`;\\s*${name}\\*\\s*=\\s*([^;]+)`, "i").exec(header)?.[1];
  if (extended) {
    const value = /^UTF-8'[^']*'(.*)$/i.exec(extended.trim())?.[1];
    if (value !== undefined) {
      try {
        return decodeURIComponent(value);
      } catch {
        throw malformed(`${name}* is not valid percent-encoded UTF-8`);
      }
    }
  }
  const quoted = new RegExp(`;\\s*${name}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`, "i").exec(header)?.[1];
  // Browsers percent-encode `"`, CR and LF and send backslashes as they are (Windows paths), so
  // only `\"` (curl's escape of a quote) is undone.
  if (quoted !== undefined) return quoted.replace(/\\"/g, '"').replace(/%22/g, '"').replace(/%0D/gi, "\r").replace(/%0A/gi, "\n");
  return new RegExp(`;\\s*${name}\\s*=\\s*([^;\\s]+)`, "i").exec(header)?.[1];
}

function parseHeaders(block: Uint8Array): PartHeaders {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(block);
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
  if (!disposition || !/^form-data\b/i.test(disposition)) throw malformed("A part has no Content-Disposition: form-data header");
  const name = parameter(disposition, "name");
  if (name === undefined) throw malformed("A part has no field name");
  const headers: PartHeaders = { name };
  const filename = parameter(disposition, "filename");
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
    const rest = this.buffer.subarray(this.offset);
    if (rest.length === 0) this.buffer = value;
    else {
      const joined = new Uint8Array(rest.length + value.length);
      joined.set(rest);
      joined.set(value, rest.length);
      this.buffer = joined;
    }
    this.offset = 0;
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
          while (this.buffer.length - this.offset < 2) if (!(await this.fill())) throw malformed("The body ended after a boundary");
          if (this.buffer[this.offset] === DASH && this.buffer[this.offset + 1] === DASH) {
            this.state = "done";
            await this.source.cancel().catch(() => {});
            return { kind: "end" };
          }
          let at = this.offset;
          for (;;) {
            while (at + 1 >= this.buffer.length) {
              const consumed = at - this.offset;
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
          continue;
        }
        case "headers": {
          const end = this.findHeaderEnd();
          if (end === -1) {
            if (this.buffer.length - this.offset > MAX_HEADER_BYTES) throw malformed(`A part's headers exceed ${MAX_HEADER_BYTES} bytes`);
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

  private findHeaderEnd(): number {
    const { buffer } = this;
    // An empty header block: the part starts right after the CRLF.
    if (buffer[this.offset] === CR && buffer[this.offset + 1] === LF) return this.offset - 2;
    let at = buffer.indexOf(CR, this.offset);
    while (at !== -1 && at + 3 < buffer.length) {
      if (buffer[at + 1] === LF && buffer[at + 2] === CR && buffer[at + 3] === LF) return at;
      at = buffer.indexOf(CR, at + 1);
    }
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
      chunks.push(event.bytes.slice());
    }
    const joined = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      joined.set(chunk, at);
      at += chunk.length;
    }
    return new TextDecoder().decode(joined);
  }
}
