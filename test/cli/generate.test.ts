import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resourceNames } from "../../src/cli/generate/resource";
import { createLinkedProject } from "./helpers/project";
import { runInDir } from "./helpers/run";

const root = mkdtempSync(join(tmpdir(), "covara-generate-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the CLI with `dir` as the working directory (generate reads covara.config.ts from it). */
const runIn = (dir: string, ...argv: string[]) => runInDir(dir, argv);

describe("covara generate", () => {
  it("derives the export, table and path from one name", () => {
    expect(resourceNames("blog-posts")).toEqual({ variable: "blogPosts", table: "blog_posts", path: "/blog-posts" });
    expect(resourceNames("blogPosts")).toEqual({ variable: "blogPosts", table: "blog_posts", path: "/blog-posts" });
    expect(() => resourceNames("9lives")).toThrow(/not a resource name/);
  });

  it.each([
    ["sqlite", [], 'sqliteTable("blog_posts"'],
    ["postgres", ["--db", "postgres"], 'pgTable("blog_posts"'],
  ])(
    "resource adds a %s table and its registration, and refuses a second time",
    async (name, flags, table) => {
      const dir = join(root, `gen-${name}`);
      await createLinkedProject(dir, flags);
      const first = await runIn(dir, "generate", "resource", "blog-posts");
      expect(first.stderr).toBe("");
      expect(first.code).toBe(0);
      const schema = readFileSync(join(dir, "src/schema.ts"), "utf8");
      expect(schema).toContain(`export const blogPosts = ${table}`);
      const app = readFileSync(join(dir, "src/app.ts"), "utf8");
      expect(app).toContain('.resource("/blog-posts", blogPosts, { id: blogPosts.id, db, auth: { public: OPEN } })');
      expect(app).toMatch(/import \{ blogPosts, todos \} from "\.\/schema";/);
      // The registration sits above the marker, so the next one goes below it.
      expect(app.indexOf("blogPosts.id")).toBeLessThan(app.indexOf("covara generate resource <name>"));
      const again = await runIn(dir, "generate", "resource", "blog-posts");
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already exports "blogPosts"');
    },
    60_000,
  );

  it("resource on the cloudflare template reuses the D1 db expression", async () => {
    const dir = join(root, "gen-cf");
    await createLinkedProject(dir, ["--template", "cloudflare"]);
    expect((await runIn(dir, "generate", "resource", "notes")).code).toBe(0);
    expect(readFileSync(join(dir, "src/index.ts"), "utf8")).toContain(
      '.resource("/notes", notes, { id: notes.id, db: drizzle(env.DB), auth: { public: OPEN } })',
    );
  }, 60_000);

  it("migration writes the SQL of the schema diff and nothing when the schema is unchanged", async () => {
    const dir = join(root, "gen-migration");
    await createLinkedProject(dir);
    const first = await runIn(dir, "generate", "migration", "init");
    expect(first.code).toBe(0);
    const init = readFileSync(join(dir, "migrations/0000_init.sql"), "utf8");
    expect(init).toMatch(/CREATE TABLE `todos`/);
    expect(existsSync(join(dir, "migrations/meta/covara-snapshot.json"))).toBe(true);
    const unchanged = await runIn(dir, "generate", "migration", "noop");
    expect(unchanged.stdout).toContain("nothing to write");
    expect((await runIn(dir, "generate", "resource", "posts")).code).toBe(0);
    expect((await runIn(dir, "generate", "migration", "add-posts")).code).toBe(0);
    const second = readFileSync(join(dir, "migrations/0001_add-posts.sql"), "utf8");
    expect(second).toMatch(/CREATE TABLE `posts`/);
    expect(second).not.toMatch(/todos/);
  }, 120_000);

  it.each([
    [["generate"], "missing what to generate"],
    [["generate", "widget", "x"], 'unknown kind "widget"'],
    [["generate", "resource"], "missing the resource's <name>"],
  ])("usage errors exit 2: %j", async (argv, message) => {
    const result = await runIn(root, ...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it("outside a project it says what is missing (exit 1)", async () => {
    const result = await runIn(root, "generate", "resource", "posts");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no covara.config.ts");
  });
});
