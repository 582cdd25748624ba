/**
 * The scripts a page loads, served by the app itself (no CDN): the vendored htmx core and covara's
 * runtime, each under a URL that changes with its content (htmx's version, the runtime's hash), so
 * they are cached for a year as immutable; the script tags carry their SRI integrity.
 */
import type { Hono } from "hono";
import type { CovaraEnv } from "../kernel/http";
import { RUNTIME_SOURCE } from "./runtime-source";
import { HTMX_INTEGRITY, HTMX_SOURCE, HTMX_VERSION } from "./vendor/htmx-source";

/** One served script. */
export interface ScriptAsset {
  url: string;
  integrity: string;
  source: string;
}

const ASSET_BASE = "/__covara/htmx";
const IMMUTABLE = "public, max-age=31536000, immutable";

/** The vendored htmx core. */
export const htmxAsset: ScriptAsset = {
  url: `${ASSET_BASE}/htmx-${HTMX_VERSION}.min.js`,
  integrity: HTMX_INTEGRITY,
  source: HTMX_SOURCE,
};

/** Base64 of bytes (btoa exists on Node 16+ and Workers). */
function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

let runtime: Promise<ScriptAsset> | undefined;

/** covara's runtime: its URL and integrity come from its SHA-384, computed once. */
export function runtimeAsset(): Promise<ScriptAsset> {
  runtime ??= crypto.subtle.digest("SHA-384", new TextEncoder().encode(RUNTIME_SOURCE)).then((digest) => {
    const hash = base64(new Uint8Array(digest));
    const tag = hash.replace(/[^A-Za-z0-9]/g, "").slice(0, 16);
    return { url: `${ASSET_BASE}/covara-live-${tag}.js`, integrity: `sha384-${hash}`, source: RUNTIME_SOURCE };
  });
  return runtime;
}

/** Serves both scripts; any other file under the asset path is a 404. */
export function mountAssets(app: Hono<CovaraEnv>): void {
  app.get(`${ASSET_BASE}/:file`, async (c, next) => {
    const path = new URL(c.req.url).pathname;
    const asset = [htmxAsset, await runtimeAsset()].find((candidate) => candidate.url === path);
    if (!asset) return next();
    return c.body(asset.source, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": IMMUTABLE });
  });
}
