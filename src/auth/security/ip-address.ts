/**
 * IP address parsing and normalisation (IPv4, IPv6, IPv4-mapped IPv6) and CIDR matching, so one
 * client is counted once however its address is spelled ("::ffff:10.0.0.1" is "10.0.0.1",
 * "2001:DB8:0:0::1" is "2001:db8::1").
 */

/** 4 bytes for IPv4, 16 for IPv6. */
export type IpBytes = Uint8Array;

function parseIPv4(text: string): IpBytes | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    // Decimal only, no leading zeros: "010" is octal in some parsers, so it is refused.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes[i] = value;
  }
  return bytes;
}

function parseIPv6(text: string): IpBytes | null {
  let head = text;
  let tailV4: IpBytes | null = null;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    tailV4 = parseIPv4(text.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (part: string): number[] | null => {
    if (part === "") return [];
    const groups: number[] = [];
    for (const group of part.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
      groups.push(parseInt(group, 16));
    }
    return groups;
  };
  const left = groupsOf(halves[0]!);
  const right = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (left === null || right === null) return null;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...left, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  if (tailV4) bytes.set(tailV4, 12);
  return bytes;
}

/** Parses an address; IPv4-mapped IPv6 becomes IPv4; zone ids and brackets are dropped. Null when invalid. */
export function parseIp(input: string): IpBytes | null {
  let text = input.trim();
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  if (text.length === 0 || text.length > 45) return null;
  if (!text.includes(":")) return parseIPv4(text);
  const bytes = parseIPv6(text);
  if (bytes === null) return null;
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

/** The canonical text of an address: dotted quad, or RFC 5952 compressed lowercase IPv6. */
export function formatIp(bytes: IpBytes): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // The longest run of two or more zero groups (the first one on ties) becomes "::".
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** The canonical form of an address, or null when it is not one. */
export function normalizeIp(input: string): string | null {
  const bytes = parseIp(input);
  return bytes === null ? null : formatIp(bytes);
}

/** A parsed CIDR block (a bare address is a /32 or /128). */
export interface IpRange {
  bytes: IpBytes;
  prefix: number;
}

/** Parses "10.0.0.0/8", "fd00::/8" or a single address; throws a TypeError on bad configuration. */
export function parseCidr(text: string): IpRange {
  const [address, prefixText] = text.split("/");
  const bytes = parseIp(address ?? "");
  const max = bytes?.length === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (
    bytes === null ||
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText))
  ) {
    throw new TypeError(`covara/auth: ${JSON.stringify(text)} is not an IP address or CIDR block`);
  }
  return { bytes, prefix };
}

/** True when `address` lies inside `range` (families must match). */
export function ipInRange(address: IpBytes, range: IpRange): boolean {
  if (address.length !== range.bytes.length) return false;
  const fullBytes = Math.floor(range.prefix / 8);
  for (let i = 0; i < fullBytes; i++) if (address[i] !== range.bytes[i]) return false;
  const rest = range.prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[fullBytes]! & mask) === (range.bytes[fullBytes]! & mask);
}
