#!/usr/bin/env node
/**
 * Checks a built package against its package.json (run after `tsdown`; exits 1 on any problem):
 *  - every target in `exports`, `main`, `types` and `bin` exists;
 *  - every conditions object lists `types` first and every `import` has a `types` beside it;
 *  - every built entry (`dist/**\/index.mjs` and its `.d.mts`) is reachable from `exports` or
 *    from a `bin` launcher, so a folder cannot be built yet left unpublished;
 *  - every package the built JavaScript imports is a node builtin or is declared in
 *    dependencies / peerDependencies / optionalDependencies, so nothing works here only
 *    because it happens to be a devDependency.
 * Usage: node scripts/validate-exports.mjs [packageDir]
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const errors = [];
const fail = (message) => errors.push(message);

/** `./dist/a.mjs` → absolute path, refusing anything that escapes the package. */
function packagePath(target) {
  const path = resolve(root, target);
  if (path !== root && !path.startsWith(root + sep)) fail(`"${target}" points outside the package`);
  return path;
}

/** Every file target under one exports value, with the conditions that lead to it. */
function collectTargets(value, where, out) {
  if (typeof value === "string") {
    out.push({ target: value, where });
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) collectTargets(item, `${where}[${index}]`, out);
  } else if (value && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.includes("types") && keys[0] !== "types") fail(`${where}: "types" must be the first condition`);
    if (keys.includes("import") && !keys.includes("types")) fail(`${where}: "import" has no "types" beside it`);
    for (const key of keys) collectTargets(value[key], `${where}.${key}`, out);
  } else if (value !== null) {
    fail(`${where}: unexpected ${typeof value}`);
  }
  return out;
}

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

// 1. Every declared target exists.
const exportsMap = typeof pkg.exports === "object" && pkg.exports !== null ? pkg.exports : {};
if (!pkg.exports) fail(`package.json has no "exports" map`);
const targets = [];
for (const [subpath, value] of Object.entries(exportsMap)) {
  if (!subpath.startsWith(".")) fail(`exports: "${subpath}" is not a subpath (must start with ".")`);
  if (subpath.includes("*")) fail(`exports: "${subpath}" is a pattern, which this check does not cover`);
  collectTargets(value, `exports["${subpath}"]`, targets);
}
for (const field of ["main", "types", "module"]) {
  if (typeof pkg[field] === "string") targets.push({ target: pkg[field], where: field });
}
const bins = typeof pkg.bin === "string" ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {});
for (const [name, target] of Object.entries(bins)) targets.push({ target, where: `bin.${name}` });

for (const { target, where } of targets) {
  if (!target.startsWith("./")) fail(`${where}: "${target}" must start with "./"`);
  else if (!existsSync(packagePath(target))) fail(`${where}: "${target}" does not exist (did the build run?)`);
}

// 2. Every built entry is published. Launchers in bin/ may reach entries through a relative URL.
const reachable = new Set(targets.map(({ target }) => packagePath(target)));
for (const target of Object.values(bins)) {
  const launcher = packagePath(target);
  if (!existsSync(launcher)) continue;
  for (const match of readFileSync(launcher, "utf8").matchAll(/["'`]((?:\.\.?\/)+dist\/[^"'`]+\.mjs)["'`]/g)) {
    const entry = resolve(dirname(launcher), match[1]);
    reachable.add(entry);
    reachable.add(entry.replace(/\.mjs$/, ".d.mts"));
  }
}
const distDir = join(root, "dist");
const distFiles = walk(distDir);
if (distFiles.length === 0) fail(`dist/ is empty or missing (did the build run?)`);
for (const file of distFiles) {
  if (/(^|[\\/])index\.(mjs|d\.mts)$/.test(file) && !reachable.has(file)) {
    fail(`${relative(root, file)} is a built entry with no exports entry (add it to package.json "exports")`);
  }
}

// 3. Every package the JavaScript imports is declared.
const declared = new Set([
  pkg.name,
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
  ...Object.keys(pkg.optionalDependencies ?? {}),
]);
const builtins = new Set(builtinModules);
const packageName = (specifier) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];

let parseAst;
try {
  ({ parseAst } = await import("rolldown/parseAst"));
} catch {
  console.warn("validate-exports: rolldown/parseAst is unavailable; skipping the import check");
}

/** Static and dynamic import specifiers of one module, from its syntax tree (not a regex). */
function importSpecifiers(code, file) {
  const found = [];
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object") return;
    const isImport = ["ImportDeclaration", "ExportAllDeclaration", "ExportNamedDeclaration", "ImportExpression"];
    if (isImport.includes(node.type) && typeof node.source?.value === "string") found.push(node.source.value);
    for (const key of Object.keys(node)) if (key !== "source") visit(node[key]);
  };
  visit(parseAst(code, { sourceType: "module" }, file).body);
  return found;
}

if (parseAst) {
  for (const file of distFiles.filter((path) => path.endsWith(".mjs"))) {
    for (const specifier of importSpecifiers(readFileSync(file, "utf8"), file)) {
      if (specifier.startsWith(".") || specifier.startsWith("/")) continue;
      const name = packageName(specifier.replace(/^node:/, ""));
      if (specifier.startsWith("node:") || builtins.has(name)) continue;
      if (!declared.has(name)) {
        fail(
          `${relative(root, file)} imports "${specifier}", but "${name}" is not in dependencies or peerDependencies`,
        );
      }
    }
  }
}

if (errors.length > 0) {
  console.error(`validate-exports: ${errors.length} problem(s) in ${relative(process.cwd(), root) || "."}`);
  for (const message of errors) console.error(`  - ${message}`);
  process.exit(1);
}
console.log(`validate-exports: ${Object.keys(exportsMap).length} exports, ${reachable.size} targets OK`);
