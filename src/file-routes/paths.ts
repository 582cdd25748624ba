/**
 * From a route file's folder to its URL: `posts/[id]` → `/posts/:id` (Hono) and `/posts/{id}`
 * (OpenAPI); `files/[...path]` catches the rest of the path. Static segments sort before dynamic
 * ones, so `posts/new` wins over `posts/[id]`.
 */

/** One route folder, relative to the routes directory, split into URL forms. */
export interface RoutePath {
  /** The folder relative to the routes directory (`posts/[id]`, `` for the root). */
  folder: string;
  hono: string;
  openapi: string;
  /** The names of its dynamic segments. */
  params: string[];
  /** Sort key: static segments first, then parameters, then catch-alls, segment by segment. */
  rank: number[];
}

const PARAM = /^\[([A-Za-z_][A-Za-z0-9_]*)\]$/;
const REST = /^\[\.\.\.([A-Za-z_][A-Za-z0-9_]*)\]$/;

/** Joins a prefix and a path without doubled or trailing slashes. */
export function joinUrl(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`.replace(/\/+$/, "");
  return joined === "" ? "/" : joined.startsWith("/") ? joined : `/${joined}`;
}

/** The URL of a route folder under `prefix`; throws on a segment that is neither a name nor `[param]`. */
export function routePath(folder: string, prefix: string): RoutePath {
  const segments = folder === "" ? [] : folder.split("/");
  const hono: string[] = [];
  const openapi: string[] = [];
  const params: string[] = [];
  const rank: number[] = [];
  segments.forEach((segment, index) => {
    const rest = REST.exec(segment);
    const param = PARAM.exec(segment);
    if (rest) {
      if (index !== segments.length - 1) throw new TypeError(`a catch-all segment must come last: ${folder}`);
      hono.push(`:${rest[1]}{.+}`);
      openapi.push(`{${rest[1]}}`);
      params.push(rest[1]!);
      rank.push(2);
    } else if (param) {
      hono.push(`:${param[1]}`);
      openapi.push(`{${param[1]}}`);
      params.push(param[1]!);
      rank.push(1);
    } else if (segment.includes("[") || segment.includes("]") || segment.includes(":")) {
      throw new TypeError(`"${segment}" is not a valid route segment (write a parameter as [name])`);
    } else {
      hono.push(segment);
      openapi.push(segment);
      rank.push(0);
    }
  });
  return { folder, hono: joinUrl(prefix, hono.join("/")), openapi: joinUrl(prefix, openapi.join("/")), params, rank };
}

/** Orders routes so that a static segment is tried before a parameter at the same depth. */
export function compareRoutes(a: RoutePath, b: RoutePath): number {
  for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i++) {
    const left = a.rank[i] ?? -1;
    const right = b.rank[i] ?? -1;
    if (left !== right) return left - right;
  }
  return a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0;
}
