/**
 * The Workers test harness: bundles a fixture Worker from TypeScript with esbuild (as wrangler
 * would) and runs it in a real workerd through Miniflare. One Miniflare per test file.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Miniflare } from "miniflare";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** Bundles `test/workers/fixtures/<name>.ts` into one ES module for workerd. */
export async function bundleFixture(name: string): Promise<string> {
  const result = await build({
    entryPoints: [`${fixtures}${name}.ts`],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    write: false,
    // Packages src/ loads on demand for Node-only backends stay out, as they do in a wrangler build.
    external: ["cloudflare:*", "node:*", "ioredis"],
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error(`esbuild produced nothing for ${name}`);
  return output.text;
}

/** Compatibility settings every fixture Worker runs with (the ones the template uses). */
export const COMPATIBILITY = { compatibilityDate: "2025-09-01", compatibilityFlags: ["nodejs_compat"] };

/** What the KV client needs from a namespace binding, as Node reaches one through a host Worker. */
export interface NodeNamespace {
  idFromName(name: string): string;
  get(name: string): { fetch(input: Request | string, init?: RequestInit): Promise<Response> };
}

/**
 * A Durable Object namespace seen from Node: requests go to the fixture Worker's `/do/<name>/…`
 * route, which forwards them to the object of that name. Plain requests use Node's fetch (one
 * HTTP hop); WebSocket upgrades use Miniflare's dispatchFetch, which hands back the socket.
 */
export function namespaceThroughWorker(mf: Miniflare, base: URL): NodeNamespace {
  const limit = concurrencyLimit(32);
  return {
    idFromName: (name) => name,
    get: (name) => ({
      async fetch(input, init) {
        const request = new Request(input, init);
        const url = new URL(request.url);
        const target = new URL(`do/${encodeURIComponent(name)}${url.pathname}${url.search}`, base);
        if (request.headers.get("Upgrade") === "websocket") {
          const response = await mf.dispatchFetch(target.href, { headers: { Upgrade: "websocket" } });
          // Miniflare's Response carries `webSocket` like workerd's; the KV client reads it the same way.
          return response as unknown as Response;
        }
        const body = request.method === "GET" ? undefined : await request.text();
        // A thousand sockets at once make workerd drop some; the object still sees 32 interleaved callers.
        return limit(async () => {
          const response = await fetch(target, { method: request.method, headers: request.headers, body });
          return new Response(await response.arrayBuffer(), { status: response.status, headers: response.headers });
        });
      },
    }),
  };
}

/** Runs at most `max` of the given tasks at a time. */
function concurrencyLimit(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    while (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
