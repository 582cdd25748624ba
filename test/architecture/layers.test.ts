/**
 * The layering of `src/`, enforced (see ARCHITECTURE.md). Every import counts, type-only and
 * dynamic ones included. The test fails on
 *   (a) an upward edge: a folder importing a folder its layer may not see,
 *   (b) a cycle between files,
 *   (c) a deep import into another top-level folder that bypasses its public module (`index.ts`)
 *       or one of its declared ports,
 * and prints the offending edges and cycles. Known violations are listed below with the reason;
 * the list only shrinks: a listed edge that no longer exists or no longer violates anything fails
 * the test too, so whoever fixes one also removes it here.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { closesCycle, findCycles, type ImportEdge, readImportGraph } from "./import-graph";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));

/** Folders every folder may import. Composition roots (server, node, cli, the root index) may import any folder. */
const ALLOWED: Record<string, readonly string[] | "any"> = {
  kernel: [],
  kv: ["kernel"],
  db: ["kernel"],
  tasks: ["kernel", "kv"],
  resource: ["kernel", "kv", "db"],
  realtime: ["kernel", "kv", "db", "resource"],
  // Full-text search: a resource extension that reaches resources through the contract alone (NARROW).
  search: ["kernel", "resource"],
  // File storage and file resources: a resource extension, as realtime is.
  files: ["kernel", "kv", "db", "resource"],
  // Outgoing mail sits on the kernel alone, so auth can send its link emails through it.
  email: ["kernel"],
  auth: ["kernel", "kv", "db", "email"],
  oidc: ["kernel", "kv", "db", "auth"],
  env: ["kernel"],
  htmx: ["kernel", "kv", "db", "resource"],
  billing: ["kernel", "kv"],
  // The cached data service and its unit of work: on the mutation feed, writing through resources by the write port alone (NARROW).
  "data-service": ["kernel", "kv", "resource"],
  // The observability log and the logger, metrics and middleware around it: on the kernel alone.
  observability: ["kernel"],
  // The request principal (tenant memberships, role and clearance checks, tenant scopes): kernel only.
  principal: ["kernel"],
  // File-system routes: route modules with co-located Zod schemas, registered as Hono routes.
  "file-routes": ["kernel"],
  // The admin UI: an app-level module composed by server/, reading resources through their handles.
  admin: ["kernel", "kv", "db", "resource", "tasks", "files", "observability"],
  // Route middleware (versioning, idempotency, rate limits): memory KV as the fallback store.
  middleware: ["kernel", "kv"],
  // The browser/React Native client imports nothing from the server side but the cast adapter
  // (kernel/erased.ts, see NARROW below): no Hono, no Drizzle, no node: modules reach its bundle.
  client: ["kernel"],
  // Cloudflare Workers adapters: the Durable Object KV and the task backends on Workers.
  workers: ["kernel", "kv", "tasks"],
  server: "any",
  node: "any",
  cli: "any",
  "<root>": "any",
};

/**
 * Where a folder may import only some modules of a folder its row lists: the client takes the one
 * door out of the type system (`assumeType`, a function without imports) and nothing else of the
 * kernel; search takes the resource extension contract and nothing else of the resource layer.
 */
const NARROW: Record<string, Record<string, readonly string[]>> = {
  client: { kernel: ["kernel/erased.ts"] },
  // Search sees a resource only as a ResourceHandle: the extension contract, never the resource layer's index or internals.
  search: { resource: ["resource/extension.ts"] },
  // The data service writes through a resource by its write port (the handle's writer, the transaction runner), nothing else.
  "data-service": { resource: ["resource/write-port.ts"] },
};

/**
 * Modules other folders may import besides a folder's `index.ts`. The kernel is a set of small
 * leaf modules, each its own port (it has no barrel, so importing one never drags in the rest);
 * resource declares its extension contract.
 */
const PORTS: Record<string, (path: string) => boolean> = {
  kernel: () => true,
  // The resource extension contract: what realtime, search, files and later features build on.
  resource: (path) => path === "resource/extension.ts" || path === "resource/write-port.ts",
  // Auth's building blocks for oidc (bearer parsing, the uniform 401, the Passport driver), not public API.
  auth: (path) => path === "auth/port.ts",
  // Pub/sub delivery every KV adapter shares, including the Durable Object client in workers/.
  kv: (path) => path === "kv/deliver.ts",
  // What a task backend outside tasks/ builds on (the Durable Object backend in workers/), not public API.
  tasks: (path) => path === "tasks/port.ts",
};

/**
 * Violations that exist today, each one edge `from -> to`, grouped by the work that removes them.
 * Empty: zero cycles, zero upward edges, zero deep imports. Keep it that way; an entry needs the
 * reason and the work that removes it.
 */
const KNOWN_VIOLATIONS: readonly string[] = [];

/** The top-level folder of a path relative to src (`<root>` for src/index.ts). */
function folderOf(path: string): string {
  return path.includes("/") ? (path.split("/")[0] as string) : "<root>";
}

function isUpward(edge: ImportEdge): boolean {
  const from = folderOf(edge.from);
  const to = folderOf(edge.to);
  if (from === to) return false;
  const allowed = ALLOWED[from];
  if (allowed === undefined) return true; // a new folder must be placed in the table first
  if (allowed !== "any" && !allowed.includes(to)) return true;
  const only = NARROW[from]?.[to];
  return only !== undefined && !only.includes(edge.to);
}

function isDeep(edge: ImportEdge): boolean {
  const from = folderOf(edge.from);
  const to = folderOf(edge.to);
  if (from === to || to === "<root>") return false;
  if (edge.to === `${to}/index.ts`) return false;
  return !(PORTS[to]?.(edge.to) ?? false);
}

const key = (edge: ImportEdge) => `${edge.from} -> ${edge.to}`;

describe("layering of src/", () => {
  const graph = readImportGraph(SRC);
  const known = new Set(KNOWN_VIOLATIONS);
  const edges = graph.edges.filter((edge) => !known.has(key(edge)));

  it("resolves every relative import", () => {
    expect(graph.unresolved).toEqual([]);
  });

  it("places every top-level folder in the layer table", () => {
    const folders = [...new Set(graph.files.map(folderOf))].sort();
    expect(folders.filter((folder) => !(folder in ALLOWED))).toEqual([]);
  });

  it("has no upward edge between folders", () => {
    const upward = edges
      .filter(isUpward)
      .map((edge) => `${key(edge)}  (${folderOf(edge.from)} may import: ${String(ALLOWED[folderOf(edge.from)])})`);
    expect(upward, `upward imports:\n  ${upward.join("\n  ")}`).toEqual([]);
  });

  it("has no cycle between files, type-only imports included", () => {
    const cycles = findCycles(graph.files, edges).map((cycle) => `${cycle.length} files: ${cycle.join(", ")}`);
    expect(cycles, `import cycles:\n  ${cycles.join("\n  ")}`).toEqual([]);
  });

  it("imports other folders only through their index.ts or a declared port", () => {
    const deep = edges.filter(isDeep).map(key);
    expect(deep, `deep imports:\n  ${deep.join("\n  ")}`).toEqual([]);
  });

  it("lists only violations that still exist (the list only shrinks)", () => {
    const present = new Set(graph.edges.map(key));
    const stale = KNOWN_VIOLATIONS.filter((entry) => {
      if (!present.has(entry)) return true;
      const [from, to] = entry.split(" -> ") as [string, string];
      const edge = { from, to };
      return !isUpward(edge) && !isDeep(edge) && !closesCycle(edges, from, to);
    });
    expect(stale, `fixed, remove from KNOWN_VIOLATIONS:\n  ${stale.join("\n  ")}`).toEqual([]);
  });
});
