/**
 * `apiVersion()`: which version of the API a request asks for, from a header (`Api-Version: 2`)
 * or from the path (`/api/v2/...`). The version is `c.get("apiVersion")`, echoed in the response's
 * `Api-Version` header; a retired version can announce it (`Deprecation`, `Sunset`). An unknown
 * version is a 400 `unsupported-api-version` naming the supported ones.
 */
import type { MiddlewareHandler } from "hono";
import { ProblemError } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import "./problems";

export interface ApiVersionOptions {
  /** The versions served, e.g. `["1", "2"]`. */
  versions: readonly string[];
  /** The version of a request that names none. @default the last of `versions` */
  defaultVersion?: string;
  /** Where the version comes from. @default "header" */
  from?: "header" | "path";
  /** The header read in header mode. @default "api-version" */
  header?: string;
  /**
   * In path mode, the prefix before the version segment: `/api` reads `v2` from `/api/v2/users`.
   * A path without a version segment there gets the default version.
   * @default "/api"
   */
  prefix?: string;
  /** Deprecated versions and their sunset dates (sent as `Deprecation: true` and `Sunset`). */
  deprecated?: Readonly<Record<string, Date | true>>;
}

declare module "../kernel/http" {
  interface CovaraVariables {
    /** The API version the request asked for (`apiVersion()` of covara/middleware). */
    apiVersion?: string;
  }
}

/** Reads, checks and echoes the request's API version. */
export function apiVersion(options: ApiVersionOptions): MiddlewareHandler<CovaraEnv> {
  const versions = new Set(options.versions);
  const fallback = options.defaultVersion ?? options.versions.at(-1);
  if (fallback === undefined || !versions.has(fallback))
    throw new TypeError("covara apiVersion: give the versions served, and a default among them");
  const header = (options.header ?? "api-version").toLowerCase();
  const prefix = (options.prefix ?? "/api").replace(/\/+$/, "");

  function requested(path: string, headerValue: string | undefined): string | undefined {
    if (options.from !== "path") return headerValue?.trim().replace(/^v(?=\d)/i, "") || undefined;
    if (!path.startsWith(`${prefix}/`)) return undefined;
    const segment = path.slice(prefix.length + 1).split("/", 1)[0] ?? "";
    return /^v\d/i.test(segment) ? segment.slice(1) : undefined;
  }

  return async (c, next) => {
    const version = requested(c.req.path, c.req.header(header)) ?? fallback;
    if (!versions.has(version)) {
      throw new ProblemError("unsupported-api-version", {
        detail: `API version ${JSON.stringify(version.slice(0, 32))} is not served; use one of ${[...versions].join(", ")}`,
        extensions: { supported: [...versions] },
      });
    }
    c.set("apiVersion", version);
    await next();
    c.res.headers.set("api-version", version);
    const sunset = options.deprecated?.[version];
    if (sunset !== undefined) {
      c.res.headers.set("deprecation", "true");
      if (sunset instanceof Date) c.res.headers.set("sunset", sunset.toUTCString());
    }
  };
}
