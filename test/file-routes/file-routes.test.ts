/**
 * `app.fileRoutes(dir)`: route modules become ordinary Hono routes under the base path, validated
 * by their co-located Zod schemas before the handler runs (422 listing every issue), with app
 * middleware, role checks, mutation tracking and OpenAPI applying; a broken file is reported with
 * its path while the others serve.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { describe, expect, it } from "vitest";
import { createCovara, trackMutations, type Logger } from "../../src";
import { pushTables } from "../../src/db";
import { send } from "../helpers/app";
import { notes, setDb } from "./fixtures/basic/store";

const ROUTES = new URL("./fixtures/basic/routes", import.meta.url);

function recordingLogger() {
  const errors: { message: string; meta?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    error: (message, _error, meta) => errors.push({ message, meta }),
    warn: () => {},
  };
  return { logger, errors };
}

async function app() {
  const { logger, errors } = recordingLogger();
  const covara = createCovara({
    logger,
    authenticate: (c) => {
      const header = c.req.header("x-test-user");
      return header ? JSON.parse(header) : null;
    },
    principal: { memberships: (user) => (user.id === 1 ? [{ tenantId: 1, roles: ["admin"] }] : []) },
  });
  covara.use("/api/*", async (c, next) => {
    await next();
    c.header("x-app-middleware", "ran");
  });
  await covara.fileRoutes(ROUTES);
  return { app: covara, errors };
}

describe("file-system routes", () => {
  it("serves routes/<path>/index.ts under the base path, static segments before parameters", async () => {
    const { app: covara } = await app();
    const hello = await send(covara, "GET", "/api/hello?a=1&b=2&b=3", { user: { id: 1, name: "Ada" } });
    expect(hello.body).toEqual({ hello: "Ada", query: { a: "1", b: ["2", "3"] } });
    expect(hello.headers.get("x-app-middleware")).toBe("ran");
    expect((await send(covara, "GET", "/api/posts")).body).toEqual({ items: ["first"] });
    expect((await send(covara, "GET", "/api/posts/new")).body).toEqual({ form: "new post" });
    expect((await send(covara, "GET", "/api/posts/7?fields=long")).body).toEqual({ id: 7, fields: "long" });
    expect((await send(covara, "GET", "/api/files/a/b/c.txt")).body).toEqual({ path: "a/b/c.txt" });
    const deleted = await send(covara, "DELETE", "/api/posts/7");
    expect([deleted.status, deleted.text]).toEqual([204, ""]);
    // A method the file does not export is not served.
    expect((await send(covara, "PUT", "/api/posts/7", { body: {} })).status).toBe(404);
  });

  it("validates body, query and params before the handler, answering 422 with every issue", async () => {
    const { app: covara } = await app();
    const created = await send(covara, "POST", "/api/posts", { body: { title: "Hello" } });
    expect([created.status, created.body]).toEqual([201, { created: { title: "Hello", tags: [] } }]);
    const bad = await send(covara, "PATCH", "/api/posts/-1?fields=x", { body: { title: "no", views: "many" } });
    expect(bad.status).toBe(422);
    expect(bad.headers.get("content-type")).toBe("application/problem+json");
    expect(bad.body.code).toBe("VALIDATION_ERROR");
    expect(bad.body.errors.map((issue: { path: string; in: string }) => [issue.in, issue.path])).toEqual([
      ["body", "body.title"],
      ["body", "body.views"],
      ["params", "params.id"],
    ]);
    const query = await send(covara, "GET", "/api/posts/abc?fields=huge");
    expect(query.body.errors.map((issue: { path: string }) => issue.path)).toEqual(["query.fields", "params.id"]);
    // The hapta layout: schemas/posts/index.ts validates POST /posts.
    const schemaDir = await send(covara, "POST", "/api/posts", { body: { title: "x", tags: ["a", "b", "c", "d"] } });
    expect(schemaDir.body.errors.map((issue: { path: string }) => issue.path)).toEqual(["body.title", "body.tags"]);
  });

  it("answers malformed bodies with problems, never a 500", async () => {
    const { app: covara } = await app();
    const malformed = await send(covara, "POST", "/api/posts", {
      rawBody: "{nope",
      headers: { "content-type": "application/json" },
    });
    expect([malformed.status, malformed.body.code]).toEqual([400, "INVALID_JSON"]);
    const text = await send(covara, "POST", "/api/posts", {
      rawBody: "title=x",
      headers: { "content-type": "text/plain" },
    });
    expect([text.status, text.body.code]).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"]);
    const array = await send(covara, "POST", "/api/posts", { body: [1, 2] });
    expect([array.status, array.body.code]).toEqual([422, "VALIDATION_ERROR"]);
    const huge = await send(covara, "POST", "/api/posts", { body: { title: "x".repeat(2 * 1024 * 1024) } });
    expect([huge.status, huge.body.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
  });

  it("runs the route file's middleware: role checks apply", async () => {
    const { app: covara } = await app();
    expect((await send(covara, "GET", "/api/admin")).body.code).toBe("UNAUTHORIZED");
    expect((await send(covara, "GET", "/api/admin", { user: { id: 2 } })).body.code).toBe("MISSING_ROLE");
    expect((await send(covara, "GET", "/api/admin", { user: { id: 1 } })).body).toEqual({ secret: 42 });
  });

  it("reports a route file that fails to import with its path, and keeps serving the others", async () => {
    const { app: covara, errors } = await app();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/routes\/broken\/index\.ts could not be loaded/);
    expect(errors[0]!.meta?.file).toMatch(/routes\/broken\/index\.ts$/);
    expect((await send(covara, "GET", "/api/broken")).status).toBe(404);
    expect((await send(covara, "GET", "/api/posts")).status).toBe(200);
  });

  it("publishes the writes of a tracked database", async () => {
    const { app: covara } = await app();
    const db = drizzle(new Database(":memory:"));
    await pushTables(db, [notes]);
    setDb(trackMutations(db, { notes: { table: notes, id: notes.id } }, { app: covara }));
    const seen: unknown[] = [];
    covara.context.mutations.on((mutations) => {
      seen.push(...mutations.map((mutation) => [mutation.resource, mutation.op, mutation.id]));
    });
    const created = await send(covara, "POST", "/api/notes", { body: { body: "hi" } });
    expect(created.status).toBe(201);
    expect(seen).toEqual([["notes", "create", created.body.id]]);
  });

  it("describes the routes in /__covara/openapi.json from their schemas", async () => {
    const { app: covara } = await app();
    const { paths } = (await send(covara, "GET", "/__covara/openapi.json")).body;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(["/api/hello", "/api/posts", "/api/posts/{id}", "/api/posts/new", "/api/files/{path}"]),
    );
    const patch = paths["/api/posts/{id}"].patch;
    expect(patch.parameters).toEqual([
      { name: "id", in: "path", required: true, schema: expect.objectContaining({ type: "integer" }) },
    ]);
    expect(patch.requestBody.content["application/json"].schema).toMatchObject({
      type: "object",
      required: ["title", "views"],
    });
    expect(paths["/api/posts/{id}"].get.parameters[1]).toMatchObject({ name: "fields", in: "query", required: false });
    expect(paths["/api/posts"].post.requestBody.content["application/json"].schema.properties.title).toMatchObject({
      type: "string",
      minLength: 3,
    });
    expect(patch.responses["422"]).toBeDefined();
  });

  it("mounts under another prefix when asked", async () => {
    const covara = createCovara({ logger: recordingLogger().logger });
    await covara.fileRoutes(ROUTES, { prefix: "/" });
    expect((await send(covara, "GET", "/posts/new")).body).toEqual({ form: "new post" });
    expect((await send(covara, "GET", "/api/posts/new")).status).toBe(404);
  });
});
