/**
 * covara/client stays a client: its files import nothing from the rest of src/ but the one
 * documented cast helper (kernel/erased.ts, a single dependency-free function: ARCHITECTURE.md),
 * nothing from drizzle-orm, hono or node: (walked file by file, type imports included), and the size script's esbuild
 * bundles stay within budget with inputs from src/client/ only. CI runs this file.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const clientDir = join(root, "src", "client");
/** The one module outside src/client the client may import (the layers test's NARROW rule says the same). */
const ERASED = join(root, "src", "kernel", "erased");

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Every module specifier in a file: static, type-only, re-exports and dynamic imports. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:^|[^\w.])(?:import|export)\s[^;]*?from\s*["']([^"']+)["']/g))
    found.push(match[1]!);
  for (const match of source.matchAll(/(?:^|[^\w.])import\s*\(\s*["']([^"']+)["']\s*\)/g)) found.push(match[1]!);
  for (const match of source.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g)) found.push(match[1]!);
  return found;
}

describe("client isolation", () => {
  it("no file under src/client imports server code, drizzle-orm, hono or node:", () => {
    const offenders: string[] = [];
    const files = walk(clientDir);
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, "utf8"))) {
        const where = `${relative(root, file)} → ${spec}`;
        if (spec.startsWith(".")) {
          const target = resolve(dirname(file), spec).replace(/\.ts$/, "");
          if (!target.startsWith(clientDir) && target !== ERASED) offenders.push(where);
        } else if (!/^react(-dom)?(\/|$)/.test(spec)) offenders.push(where);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("the bundle-size script passes: core ≤ 8 KB, with offline ≤ 16 KB, react adds ≤ 4 KB, inputs only from src/client", () => {
    const result = spawnSync(process.execPath, [join(root, "scripts", "client-size.mjs"), "--json"], {
      cwd: root,
      encoding: "utf8",
    });
    const report = JSON.parse(result.stdout) as {
      core: { gzip: number };
      offline: { gzip: number };
      react: { adds: number };
      inputs: Record<string, string[]>;
      problems: string[];
    };
    expect(report.problems).toEqual([]);
    expect(result.status).toBe(0);
    expect(report.core.gzip).toBeLessThanOrEqual(8192);
    expect(report.offline.gzip).toBeLessThanOrEqual(16384);
    expect(report.react.adds).toBeLessThanOrEqual(4096);
    for (const inputs of Object.values(report.inputs)) {
      expect(inputs.length).toBeGreaterThan(5);
      for (const input of inputs) expect(input).toMatch(/^src\/client\//);
    }
    // The core bundle leaves the offline layer out.
    expect(report.inputs.core!.some((input) => input.includes("/offline/"))).toBe(false);
    expect(report.inputs.offline!.some((input) => input.includes("/offline/"))).toBe(true);
  }, 60_000);
});
