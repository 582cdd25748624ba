/**
 * Serving a local backend's files at its `baseUrl` (`createCovara` mounts it for every file
 * resource on such a backend): `GET <baseUrl>/<storage key>`. The key is decoded and checked
 * (encoded `..`, absolute paths, NUL and backslashes are refused; the adapter refuses symlinks
 * out of its directory), the row with that key is looked up under the caller's read scope of its
 * resource, and only then is the file sent, with the download's headers. Anything that is not a
 * readable file is a 404, so the answer never tells whether a key exists.
 */
import type { Context } from "hono";
import { ProblemError, problems } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import type { ResourceHandle } from "../resource/extension";
import { sendFile } from "./download";
import { fileOfRow, fileOptionsOf } from "./extension";
import { keyPrefixSegment } from "./names";
import { checkStorageKey, InvalidStorageKeyError } from "./storage/errors";
import "./problems";

/** The file resources served under one base URL. */
export interface LocalServing {
  readonly baseUrl: string;
  add(resource: ResourceHandle): void;
  handle(c: Context<CovaraEnv>): Promise<Response>;
}

function notFound(): never {
  throw problems.notFound("file");
}

/** The storage key of a request path under `baseUrl`, or null when it cannot be one. */
export function keyOfPath(pathname: string, baseUrl: string): string | null {
  if (!pathname.startsWith(`${baseUrl}/`)) return null;
  let key: string;
  try {
    key = decodeURIComponent(pathname.slice(baseUrl.length + 1));
  } catch {
    return null;
  }
  try {
    return checkStorageKey(key);
  } catch (error) {
    if (error instanceof InvalidStorageKeyError) return null;
    throw error;
  }
}

export function createLocalServing(baseUrl: string): LocalServing {
  const resources: ResourceHandle[] = [];
  return {
    baseUrl,
    add(resource) {
      resources.push(resource);
    },
    async handle(c) {
      const key = keyOfPath(new URL(c.req.url).pathname, baseUrl);
      if (key === null) notFound();
      const first = key.split("/")[0];
      for (const resource of resources) {
        const options = fileOptionsOf(resource);
        if (!options || keyPrefixSegment(options.keyPrefix) !== first) continue;
        // 401/403 when the caller may not read this resource at all (as GET /:id answers).
        const access = await resource.readAccess(c);
        const row = await resource.findLiveBy(options.columns.key, key, access);
        if (!row) notFound();
        try {
          return await sendFile(c.req.raw, options.storage, fileOfRow(resource, options, row));
        } catch (error) {
          // The same 404 as for a key without a row: a URL never tells what exists on disk.
          if (error instanceof ProblemError && error.problemType === "file-missing") notFound();
          throw error;
        }
      }
      notFound();
    },
  };
}
