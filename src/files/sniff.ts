/**
 * What a file's first bytes say it is ("magic bytes"), and the check of a declared type against
 * them: an upload must be what it claims to be, so a PNG header on an executable, or an
 * executable declared as an image, is refused whatever its Content-Type says.
 */

/** How many leading bytes the sniffer looks at. */
export const SNIFF_BYTES = 64;

interface Signature {
  type: string;
  offset?: number;
  bytes: (number | null)[];
}

const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/** Known signatures; `null` matches any byte. Executables come first: they are refused everywhere. */
const SIGNATURES: readonly Signature[] = [
  { type: "application/x-msdownload", bytes: ascii("MZ") },
  { type: "application/x-elf", bytes: [0x7f, ...ascii("ELF")] },
  { type: "application/x-mach-binary", bytes: [0xcf, 0xfa, 0xed, 0xfe] },
  { type: "application/x-mach-binary", bytes: [0xfe, 0xed, 0xfa, 0xcf] },
  { type: "application/x-mach-binary", bytes: [0xca, 0xfe, 0xba, 0xbe] },
  { type: "application/x-sh", bytes: ascii("#!") },
  { type: "application/wasm", bytes: [0x00, ...ascii("asm")] },
  { type: "image/png", bytes: [0x89, ...ascii("PNG"), 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: "image/jpeg", bytes: [0xff, 0xd8, 0xff] },
  { type: "image/gif", bytes: ascii("GIF87a") },
  { type: "image/gif", bytes: ascii("GIF89a") },
  { type: "image/webp", bytes: [...ascii("RIFF"), null, null, null, null, ...ascii("WEBP")] },
  { type: "image/bmp", bytes: ascii("BM") },
  { type: "image/avif", offset: 4, bytes: ascii("ftypavif") },
  { type: "video/mp4", offset: 4, bytes: ascii("ftyp") },
  { type: "application/pdf", bytes: ascii("%PDF-") },
  { type: "application/zip", bytes: [...ascii("PK"), 0x03, 0x04] },
  { type: "application/gzip", bytes: [0x1f, 0x8b] },
  { type: "audio/mpeg", bytes: ascii("ID3") },
  { type: "audio/ogg", bytes: ascii("OggS") },
];

/** Types a browser would run or render as active content: never accepted where types are restricted. */
const EXECUTABLE = new Set([
  "application/x-msdownload",
  "application/x-elf",
  "application/x-mach-binary",
  "application/x-sh",
  "application/wasm",
]);

/** Types whose content always starts with a signature above (a declared PNG without one is a lie). */
const SIGNED_TYPES = new Set(SIGNATURES.map((signature) => signature.type));

/** Declared types that are names of the same format. */
const ALIASES: Record<string, string> = {
  "image/jpg": "image/jpeg",
  "image/pjpeg": "image/jpeg",
  "image/x-png": "image/png",
  "application/x-zip-compressed": "application/zip",
  "application/x-gzip": "application/gzip",
  "audio/mp3": "audio/mpeg",
  "application/x-msdos-program": "application/x-msdownload",
  "application/vnd.microsoft.portable-executable": "application/x-msdownload",
};

/** Formats built on zip (their content sniffs as zip). */
const ZIP_BASED =
  /^application\/(vnd\.openxmlformats-officedocument\.|vnd\.oasis\.opendocument\.|epub\+zip|java-archive|vnd\.android\.package-archive)/;

/** The type a name's extension implies, for the extensions that matter here. */
const EXTENSIONS: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  pdf: "application/pdf",
  zip: "application/zip",
  exe: "application/x-msdownload",
  dll: "application/x-msdownload",
  com: "application/x-msdownload",
  bat: "application/x-msdownload",
  cmd: "application/x-msdownload",
  msi: "application/x-msdownload",
  scr: "application/x-msdownload",
  sh: "application/x-sh",
  elf: "application/x-elf",
  html: "text/html",
  htm: "text/html",
  svg: "image/svg+xml",
  js: "text/javascript",
  mjs: "text/javascript",
};

/** `image/PNG; charset=x` → `image/png`, aliases resolved. */
export function normalizeType(type: string | undefined | null): string {
  const bare = (type ?? "").split(";")[0]!.trim().toLowerCase();
  return ALIASES[bare] ?? bare;
}

/** The type the content's first bytes show, or null when they match no known signature. */
export function sniffType(head: Uint8Array): string | null {
  for (const signature of SIGNATURES) {
    const offset = signature.offset ?? 0;
    if (head.length < offset + signature.bytes.length) continue;
    if (signature.bytes.every((byte, i) => byte === null || head[offset + i] === byte)) return signature.type;
  }
  return null;
}

/** Whether `type` is in the list (which may hold wildcards such as `image/*`). */
export function typeAllowed(type: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const wanted = normalizeType(entry);
    return wanted === type || (wanted.endsWith("/*") && type.startsWith(wanted.slice(0, -1)));
  });
}

export type TypeVerdict =
  | { ok: true; type: string }
  | { ok: false; problem: "file-type-not-allowed" | "file-content-mismatch"; detail: string };

/**
 * The type to store for an upload, or why it is refused. The declared type must be allowed, the
 * content's signature (when it has one) must be that type, a type that always has a signature must
 * show it, and the file name's extension must not name another known format. Without an allowlist
 * only executables posing as something else are refused, and the stored type is the sniffed one
 * when the declaration was missing or generic.
 */
export function checkType(
  declared: string | undefined,
  head: Uint8Array,
  fileName: string,
  allowed: readonly string[] | undefined,
): TypeVerdict {
  const claimed = normalizeType(declared) || "application/octet-stream";
  const sniffed = sniffType(head);
  const extension = /\.([a-z0-9]{1,8})$/i.exec(fileName)?.[1]?.toLowerCase();
  const byName = extension === undefined ? undefined : EXTENSIONS[extension];
  const generic = claimed === "application/octet-stream";
  const effective = generic && sniffed ? sniffed : claimed;
  const sameFormat = (a: string, b: string) => a === b || (b === "application/zip" && ZIP_BASED.test(a));

  if (sniffed && EXECUTABLE.has(sniffed) && !sameFormat(effective, sniffed)) {
    return {
      ok: false,
      problem: "file-content-mismatch",
      detail: `The content is an executable (${sniffed}), not ${effective}`,
    };
  }
  if (allowed === undefined) return { ok: true, type: effective };
  if (!typeAllowed(effective, allowed)) {
    return {
      ok: false,
      problem: "file-type-not-allowed",
      detail: `'${effective}' is not an allowed type (allowed: ${allowed.join(", ")})`,
    };
  }
  if (sniffed && !sameFormat(effective, sniffed)) {
    return { ok: false, problem: "file-content-mismatch", detail: `The content is ${sniffed}, not ${effective}` };
  }
  if (!sniffed && SIGNED_TYPES.has(effective)) {
    return { ok: false, problem: "file-content-mismatch", detail: `The content does not start like ${effective}` };
  }
  if (byName && !sameFormat(effective, byName)) {
    return {
      ok: false,
      problem: "file-content-mismatch",
      detail: `The name's extension '.${extension}' is not ${effective}`,
    };
  }
  return { ok: true, type: effective };
}
