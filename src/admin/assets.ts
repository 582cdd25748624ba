/**
 * Serves the admin UI's stylesheet and script from the package, each under a URL carrying a hash
 * of its content so it is cached as immutable.
 */
import type { Hono } from "hono";
import type { CovaraEnv } from "../kernel/http";
import { sha256Url } from "../kernel/web-crypto";
import { ADMIN_SCRIPT } from "./script";
import { ADMIN_STYLES } from "./styles";

/** The URLs of the two assets, relative to the UI's base path. */
export interface AdminAssetUrls {
  styles: string;
  script: string;
}

const IMMUTABLE = "public, max-age=31536000, immutable";

async function tagOf(text: string): Promise<string> {
  return (await sha256Url(text)).replace(/[^A-Za-z0-9]/g, "").slice(0, 12);
}

let files: Promise<Record<string, { body: string; type: string }>> | undefined;

/** The served files by name, hashed once. */
function assetFiles(): Promise<Record<string, { body: string; type: string }>> {
  files ??= Promise.all([tagOf(ADMIN_STYLES), tagOf(ADMIN_SCRIPT)]).then(([styles, script]) => ({
    [`admin-${styles}.css`]: { body: ADMIN_STYLES, type: "text/css; charset=utf-8" },
    [`admin-${script}.js`]: { body: ADMIN_SCRIPT, type: "text/javascript; charset=utf-8" },
  }));
  return files;
}

/** The asset URLs under `base`. */
export async function adminAssetUrls(base: string): Promise<AdminAssetUrls> {
  const names = Object.keys(await assetFiles());
  return { styles: `${base}/assets/${names[0]}`, script: `${base}/assets/${names[1]}` };
}

/** Serves both assets under `${base}/assets/`; any other name there is a 404. */
export function mountAdminAssets(app: Hono<CovaraEnv>, base: string): void {
  app.get(`${base}/assets/:file`, async (c, next) => {
    const file = Object.hasOwn(await assetFiles(), c.req.param("file"))
      ? (await assetFiles())[c.req.param("file")]
      : undefined;
    if (file === undefined) return next();
    return c.body(file.body, 200, { "content-type": file.type, "cache-control": IMMUTABLE });
  });
}
