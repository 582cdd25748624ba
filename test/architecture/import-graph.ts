/**
 * The import graph of `src/`, read the way the bundler and the type checker see it: every
 * `import`, `import type`, `export ... from` and dynamic `import()` with a relative specifier
 * becomes one edge between two files. Type-only edges count too, because a type cycle still
 * couples the files (a change on either side re-checks both, and a barrel drags its whole folder).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** One import between two files, both as paths relative to `src/` (`resource/types.ts`). */
export type ImportEdge = { from: string; to: string };

/** Every `.ts`/`.tsx` file under `dir`, as absolute paths. */
function listSourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) files.push(...listSourceFiles(full));
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) files.push(full);
  }
  return files;
}

/** Resolves a relative specifier the way `moduleResolution: Bundler` does for our sources. */
function resolveSpecifier(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier.replace(/\.(m?js|tsx?)$/, ""));
  for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, "index.ts"), join(base, "index.tsx")]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Reads every file under `srcDir` and returns its files and relative-import edges. */
export function readImportGraph(srcDir: string): { files: string[]; edges: ImportEdge[]; unresolved: string[] } {
  const absoluteFiles = listSourceFiles(srcDir);
  const edges: ImportEdge[] = [];
  const unresolved: string[] = [];
  const seen = new Set<string>();
  for (const file of absoluteFiles) {
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const from = relative(srcDir, file);
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const target = resolveSpecifier(file, fileName);
      if (target === undefined) {
        unresolved.push(`${from} -> ${fileName}`);
        continue;
      }
      const to = relative(srcDir, target);
      const key = `${from} -> ${to}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({ from, to });
    }
  }
  return { files: absoluteFiles.map((file) => relative(srcDir, file)).sort(), edges, unresolved };
}

/** The strongly connected components with more than one file (or a file importing itself): the cycles. */
export function findCycles(files: string[], edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const edge of edges) next.get(edge.from)?.push(edge.to);
  // Tarjan's algorithm, iterative so a deep chain of imports cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of files) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; childIndex: number }> = [{ node: root, childIndex: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; childIndex: number };
      const children = next.get(frame.node) ?? [];
      if (frame.childIndex < children.length) {
        const child = children[frame.childIndex++] as string;
        if (!index.has(child)) {
          index.set(child, counter);
          low.set(child, counter++);
          stack.push(child);
          onStack.add(child);
          work.push({ node: child, childIndex: 0 });
        } else if (onStack.has(child)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(child) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = component.length === 1 && children.includes(frame.node);
        if (component.length > 1 || selfLoop) components.push(component.sort());
      }
    }
  }
  return components;
}

/** Whether `to` can reach `from` through `edges`, i.e. adding `from -> to` closes a cycle. */
export function closesCycle(edges: ImportEdge[], from: string, to: string): boolean {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  const seen = new Set<string>([to]);
  const queue = [to];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    if (node === from) return true;
    for (const child of next.get(node) ?? []) {
      if (!seen.has(child)) {
        seen.add(child);
        queue.push(child);
      }
    }
  }
  return false;
}
