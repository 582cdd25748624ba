/**
 * `as any` and `as unknown as` stay out of `src/`: every crossing out of the type system goes
 * through `assumeType` in `src/kernel/erased.ts`, so they can be listed with one grep.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const src = resolve(import.meta.dirname, "../../src");
const ADAPTER = "kernel/erased.ts";
/**
 * Casts that exist today outside the adapter, by file and count: none. The client uses the same
 * adapter (`kernel/erased.ts` is the one kernel module it may import, see the layers test). The
 * list only shrinks: more casts, or fewer than listed, fail until the list is updated.
 */
const KNOWN: Record<string, number> = {};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe("casts out of the type system", () => {
  it("appear in src/ only inside the documented adapter", () => {
    const offenders: string[] = [];
    const known: Record<string, number> = {};
    for (const file of sourceFiles(src)) {
      const name = relative(src, file).split("\\").join("/");
      if (name === ADAPTER) continue;
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          const code = line.replace(/\/\/.*$/, "");
          if (!/\bas\s+any\b|\bas\s+unknown\s+as\b/.test(code)) return;
          if (name in KNOWN) known[name] = (known[name] ?? 0) + 1;
          else offenders.push(`${name}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
    expect(known).toEqual(KNOWN);
  });
});
