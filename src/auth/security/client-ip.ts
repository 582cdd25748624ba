/**
 * The client's IP address. `X-Forwarded-For` is honoured only when the connection comes from a
 * configured trusted proxy, and then only up to the first hop that is not itself trusted: a
 * client cannot choose its own address (and so its own rate-limit bucket) by sending the header.
 */
import type { Context } from "hono";
import type { CovaraEnv } from "../../kernel/http";
import { formatIp, ipInRange, parseCidr, parseIp, type IpBytes, type IpRange } from "./ip-address";

export interface ClientIpOptions {
  /** Proxies whose `X-Forwarded-For` is believed: addresses or CIDR blocks ("10.0.0.0/8", "::1"). */
  trustedProxies?: readonly string[];
  /**
   * The address of the connection's peer. Default: the socket address covara/node passes in
   * `c.env.incoming`, or CF-Connecting-IP on Cloudflare Workers; elsewhere supply it (e.g. from
   * Hono's `getConnInfo`).
   */
  peerAddress?: (c: Context<CovaraEnv>) => string | null | undefined;
}

/** What the client address is when the runtime cannot tell. */
export const UNKNOWN_CLIENT = "unknown";

/**
 * The peer address where the runtime tells it: the socket covara/node (and @hono/node-server)
 * pass as `c.env.incoming`, or on Cloudflare Workers the `CF-Connecting-IP` header, which
 * Cloudflare's edge sets and overwrites (so only believed when running on Workers).
 */
export function defaultPeerAddress(c: Context<CovaraEnv>): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  const socketAddress = env?.incoming?.socket?.remoteAddress;
  if (socketAddress !== undefined) return socketAddress;
  const onWorkers =
    (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === "Cloudflare-Workers";
  return onWorkers ? c.req.header("cf-connecting-ip") : undefined;
}

/** "1.2.3.4:80" → "1.2.3.4", "[::1]:80" → "::1"; a bare IPv6 address is left whole. */
function withoutPort(entry: string): string {
  const text = entry.trim();
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    return end === -1 ? text : text.slice(1, end);
  }
  const colon = text.indexOf(":");
  return colon !== -1 && colon === text.lastIndexOf(":") ? text.slice(0, colon) : text;
}

/** Builds the resolver `useAuth` uses for throttling, session metadata and `kit.clientIp`. */
export function createClientIpResolver(options: ClientIpOptions = {}): (c: Context<CovaraEnv>) => string {
  const trusted: IpRange[] = (options.trustedProxies ?? []).map(parseCidr);
  const peerOf = options.peerAddress ?? defaultPeerAddress;
  const isTrusted = (address: IpBytes) => trusted.some((range) => ipInRange(address, range));

  return (c) => {
    const raw = peerOf(c);
    const peer = typeof raw === "string" ? parseIp(raw) : null;
    if (peer === null) return UNKNOWN_CLIENT;
    if (trusted.length === 0 || !isTrusted(peer)) return formatIp(peer);
    const forwarded = c.req.header("x-forwarded-for");
    if (!forwarded) return formatIp(peer);
    // Right to left: each trusted hop vouches for the one before it; the first untrusted one is the client.
    let current = peer;
    const hops = forwarded.split(",").slice(-32);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = parseIp(withoutPort(hops[i]!));
      if (hop === null) break;
      current = hop;
      if (!isTrusted(hop)) break;
    }
    return formatIp(current);
  };
}
