/**
 * One home per export: a value is exported by exactly one public subpath. The root `covara` is the
 * one aggregator — it may re-export a subpath's value by name, and then it must be the same value.
 * A name a subpath used to re-export from another home stays only as a deprecated alias listed
 * here (and marked `@deprecated` in the source), and must still be the home's own value.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> };

/** Deprecated aliases: entry point → name → the entry point that is the name's home. */
const DEPRECATED_ALIASES: Record<string, Record<string, string>> = {
  "covara/auth": {
    requireUser: "covara/server",
    securityHeaders: "covara/server",
    escapeHtml: "covara/oidc",
    ...Object.fromEntries(
      [
        "authSessions",
        "authAccounts",
        "authApiKeys",
        "authVerificationTokens",
        "authSessionsSqlite",
        "authAccountsSqlite",
        "authApiKeysSqlite",
        "authVerificationTokensSqlite",
        "authSessionsPg",
        "authAccountsPg",
        "authApiKeysPg",
        "authVerificationTokensPg",
        "defineInternalSchema",
        "describeInternalSchema",
        "InternalSchemaError",
        "migrateInternal",
      ].map((name) => [name, "covara/db"]),
    ),
  },
};

/**
 * Names the spec itself places in two entry points (covara-readme.md), so neither copy is an alias
 * to retire: `useAuth` is the server's auth router in covara/auth and a React hook in
 * covara/client/react (two different functions); React apps import the JWT client set-up from
 * covara/client/react, which re-exports covara/client's own functions.
 */
const SHARED_BY_SPEC: Record<string, readonly string[]> = {
  useAuth: ["covara/auth", "covara/client/react"],
  initJWTClient: ["covara/client", "covara/client/react"],
  getJWTClient: ["covara/client", "covara/client/react"],
  usePublicEnv: ["covara/env", "covara/client/react"],
};

/** `./auth` → `covara/auth`, `.` → `covara`; the source module each one is built from. */
const ENTRIES = Object.keys(pkg.exports)
  .filter((subpath) => subpath !== "./package.json")
  .map((subpath) => ({
    specifier: subpath === "." ? "covara" : `covara/${subpath.slice(2)}`,
    source: subpath === "." ? "src/index.ts" : `src/${subpath.slice(2)}/index.ts`,
  }));

async function loadEntries(): Promise<Map<string, Record<string, unknown>>> {
  const modules = new Map<string, Record<string, unknown>>();
  for (const { specifier, source } of ENTRIES) {
    modules.set(specifier, (await import(/* @vite-ignore */ join(root, source))) as Record<string, unknown>);
  }
  return modules;
}

/** The names exported as values by more than one subpath (the root aside), minus listed aliases. */
function duplicateHomes(modules: Map<string, Record<string, unknown>>, aliases: typeof DEPRECATED_ALIASES): string[] {
  const homes = new Map<string, string[]>();
  for (const [specifier, module] of modules) {
    if (specifier === "covara") continue;
    for (const name of Object.keys(module)) {
      if (aliases[specifier]?.[name] || SHARED_BY_SPEC[name]?.includes(specifier)) continue;
      homes.set(name, [...(homes.get(name) ?? []), specifier]);
    }
  }
  return [...homes].filter(([, where]) => where.length > 1).map(([name, where]) => `${name}: ${where.join(", ")}`);
}

describe("one home per export", () => {
  it("no value is exported by two subpaths unless it is a listed deprecated alias", async () => {
    expect(duplicateHomes(await loadEntries(), DEPRECATED_ALIASES)).toEqual([]);
  });

  it("the check bites: an unlisted second home is reported", async () => {
    const modules = await loadEntries();
    const withAliasesUnlisted = duplicateHomes(modules, {});
    expect(withAliasesUnlisted).toContain("requireUser: covara/server, covara/auth");
    const extra = new Map(modules);
    extra.set("covara/kv", { ...modules.get("covara/kv"), startServer: () => undefined });
    expect(duplicateHomes(extra, DEPRECATED_ALIASES)).toEqual(["startServer: covara/node, covara/kv"]);
  });

  it("every deprecated alias is its home's own value, and the home exports it", async () => {
    const modules = await loadEntries();
    for (const [specifier, names] of Object.entries(DEPRECATED_ALIASES)) {
      for (const [name, home] of Object.entries(names)) {
        expect(modules.get(home), `${home} exports ${name}`).toHaveProperty(name);
        expect(modules.get(specifier)?.[name], `${specifier}.${name}`).toBe(modules.get(home)?.[name]);
      }
    }
  });

  it("the spec's shared names are what the spec says: one function re-exported, or two different ones", async () => {
    const modules = await loadEntries();
    expect(modules.get("covara/client/react")?.initJWTClient).toBe(modules.get("covara/client")?.initJWTClient);
    expect(modules.get("covara/client/react")?.getJWTClient).toBe(modules.get("covara/client")?.getJWTClient);
    expect(modules.get("covara/client/react")?.useAuth).not.toBe(modules.get("covara/auth")?.useAuth);
    expect(modules.get("covara/client/react")?.usePublicEnv).not.toBe(modules.get("covara/env")?.usePublicEnv);
  });

  it("the root re-exports a subpath's name only as that subpath's own value", async () => {
    const modules = await loadEntries();
    const rootModule = modules.get("covara") ?? {};
    for (const [specifier, module] of modules) {
      // The root is the server-side surface; a client hook sharing a server name (usePublicEnv) is not its home.
      if (specifier === "covara" || specifier.startsWith("covara/client")) continue;
      for (const [name, value] of Object.entries(module)) {
        if (name in rootModule) expect(rootModule[name], `covara.${name} vs ${specifier}`).toBe(value);
      }
    }
  });

  it("the root barrel names what it re-exports (no export *)", () => {
    expect(readFileSync(join(root, "src/index.ts"), "utf8")).not.toMatch(/export \* from/);
  });

  it("no index.ts repeats an export * line", () => {
    for (const { source } of ENTRIES) {
      const lines = readFileSync(join(root, source), "utf8")
        .split("\n")
        .filter((line) => line.startsWith("export * from"));
      expect(new Set(lines).size, source).toBe(lines.length);
    }
  });
});
