/**
 * `app.page(path, Component)`: a server-rendered hono/jsx page. The document around the
 * component loads the vendored htmx and covara's runtime with SRI and a per-response nonce, and
 * the response carries a CSP that allows nothing else. The first page also mounts the scripts and
 * the live endpoints.
 */
import type { Hono } from "hono";
import { raw } from "hono/html";
import { randomToken } from "../kernel/web-crypto";
import type { CovaraEnv } from "../kernel/http";
import { htmxAsset, mountAssets, runtimeAsset } from "./assets";
import { mountLiveEndpoints } from "./endpoints";
import { type PageServices, renderPageBody } from "./page-render";
import type { ResourceLookup } from "./render-state";
import { DEFAULT_STYLES } from "./styles";
import type { PageComponent, PageOptions } from "./types";

/**
 * htmx's settings: no eval (so no `unsafe-eval`), no injected indicator `<style>` (so no
 * `unsafe-inline`), requests to this origin only, and 4xx answers swapped (the live endpoints aim
 * them at the region's error slot), 5xx never.
 */
const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: true },
    { code: "...", swap: false, error: true },
  ],
});

/** The page's Content-Security-Policy: same-origin everything, scripts and styles only with this nonce. */
export function pagePolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The page mounter of one app. */
export interface LivePages {
  page(path: string, Component: PageComponent, options?: PageOptions): void;
}

/** Creates the page mounter of `app`, whose resources are found with `resources`. */
export function createLivePages(app: Hono<CovaraEnv>, resources: ResourceLookup): LivePages {
  const services: PageServices = { app, resources, pages: [] };
  let mounted = false;
  return {
    page(path, Component, options = {}) {
      if (!mounted) {
        mounted = true;
        mountAssets(app);
        mountLiveEndpoints(app, services);
      }
      const page = { index: services.pages.length, path, Component, options };
      services.pages.push(page);
      app.get(path, async (c) => {
        const nonce = randomToken(16);
        const runtime = await runtimeAsset();
        const { html } = await renderPageBody(services, page, c, "page", nonce);
        const document = (
          <html lang="en">
            <head>
              <meta charset="utf-8" />
              <meta name="viewport" content="width=device-width, initial-scale=1" />
              <meta name="htmx-config" content={HTMX_CONFIG} />
              <title>{options.title ?? ""}</title>
              {options.styles === false ? null : <style nonce={nonce}>{raw(DEFAULT_STYLES)}</style>}
              <script src={htmxAsset.url} integrity={htmxAsset.integrity} crossorigin="anonymous" nonce={nonce} defer />
              <script src={runtime.url} integrity={runtime.integrity} crossorigin="anonymous" nonce={nonce} defer />
            </head>
            <body>{raw(html)}</body>
          </html>
        );
        if (options.csp !== false) c.header("content-security-policy", pagePolicy(nonce));
        c.header("cache-control", "no-store");
        return c.html(`<!doctype html>${await document.toString()}`);
      });
    },
  };
}
