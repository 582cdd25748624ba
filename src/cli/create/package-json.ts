/** The generated project's package.json: scripts and dependencies for the chosen template. */
import { covaraPackageJson } from "../package-root";
import type { CreateOptions } from "./options";

/**
 * Ranges for packages covara's own package.json may not list. wrangler stays on the 4.59 line and
 * workers-types on 4, as covara's own devDependencies: the last wrangler that runs on Node 20.
 */
const EXTRA_RANGES: Record<string, string> = {
  "@cloudflare/workers-types": "^4.20260702.1",
  wrangler: "^4.59.3",
  "@libsql/client": "^0.18.0",
  "drizzle-kit": "^0.31.11",
  postgres: "^3.4.0",
};

/** The range a project should use for `name`: the one covara is built and tested with. */
export function rangeFor(name: string): string {
  const own = covaraPackageJson();
  const range =
    own.dependencies?.[name] ?? own.devDependencies?.[name] ?? own.peerDependencies?.[name] ?? EXTRA_RANGES[name];
  if (!range) throw new Error(`covara create: no version range known for ${name}`);
  // A peer range such as "^18.0.0 || ^19.0.0" is fine for a dependency too.
  return range;
}

const pick = (names: string[]): Record<string, string> =>
  Object.fromEntries(names.sort().map((name) => [name, rangeFor(name)]));

export interface GeneratedPackageJson {
  name: string;
  version: string;
  private: true;
  type: "module";
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

export function projectPackageJson(options: CreateOptions): GeneratedPackageJson {
  const base = { name: options.name, version: "0.1.0", private: true as const, type: "module" as const };
  if (options.template === "cloudflare") {
    return {
      ...base,
      scripts: {
        dev: "wrangler dev",
        deploy: "wrangler deploy",
        typecheck: "tsc --noEmit",
        "db:migrate": "wrangler d1 migrations apply DB --local",
      },
      dependencies: { covara: options.covaraSpec, ...pick(["drizzle-orm", "hono", "zod"]) },
      devDependencies: pick(["@cloudflare/workers-types", "drizzle-kit", "typescript", "wrangler"]),
    };
  }
  const driver = options.db === "postgres" ? "postgres" : "@libsql/client";
  const react = options.frontend === "react";
  return {
    ...base,
    scripts: {
      dev: "covara dev",
      start: "tsx src/server.ts",
      typecheck: "tsc --noEmit",
      ...(react ? { "dev:web": "vite", build: "vite build" } : {}),
    },
    dependencies: {
      covara: options.covaraSpec,
      // tsx runs the TypeScript server in production too (`npm start`, the Dockerfile).
      ...pick([
        "drizzle-orm",
        "hono",
        "tsx",
        "zod",
        driver,
        ...(react ? ["@hono/node-server", "react", "react-dom"] : []),
      ]),
    },
    devDependencies: pick([
      "@types/node",
      "drizzle-kit",
      "typescript",
      ...(react ? ["@types/react", "@types/react-dom", "vite"] : []),
    ]),
  };
}
