import { Validator } from "@seriousme/openapi-schema-validator";
import { expect, it } from "vitest";
import { z } from "zod";
import { createCovara, defineProcedure } from "../../src";
import { dialectTargets } from "../helpers/dialects";

it("serves an OpenAPI 3.1 document that validates and covers every endpoint, parameter, ETag and procedure", async () => {
  const t = await dialectTargets[0]!.open();
  try {
    const app = createCovara({ openapi: { title: "Test API", version: "2.0.0" } })
      .resource("/users", t.users, {
        id: t.users.id,
        db: t.db,
        fields: { readable: ["id", "name", "email", "version", "deletedAt"], writable: ["name", "email", "age"] },
        etag: { versionField: "version" },
        softDelete: { field: "deletedAt" },
        computed: { label: (row) => row.name },
        procedures: {
          promote: defineProcedure({
            input: z.object({ id: z.number() }),
            output: z.object({ ok: z.boolean() }),
            handler: () => ({ ok: true }),
          }),
        },
      })
      .resource("/notes", t.notes, { id: t.notes.id, db: t.db, strictInput: true });
    const res = await app.request("/__covara/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.info).toEqual({ title: "Test API", version: "2.0.0" });

    for (const path of [
      "/api/users",
      "/api/users/{id}",
      "/api/users/count",
      "/api/users/aggregate",
      "/api/users/batch",
      "/api/users/batch/upsert",
      "/api/users/rpc/promote",
      "/api/notes",
      "/api/notes/{id}",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const list = doc.paths["/api/users"].get.parameters.map((p: any) => p.name);
    expect(list).toEqual(
      expect.arrayContaining(["filter", "select", "orderBy", "limit", "cursor", "totalCount", "withDeleted"]),
    );
    expect(doc.paths["/api/users/{id}"].patch.parameters.map((p: any) => p.name)).toContain("If-Match");
    expect(doc.paths["/api/users/{id}"].get.responses["200"].headers.ETag).toBeDefined();
    expect(doc.paths["/api/users/{id}"].get.responses["304"]).toBeDefined();
    expect(
      doc.paths["/api/users/rpc/promote"].post.requestBody.content["application/json"].schema.properties.id,
    ).toEqual({ type: "number" });
    // Hidden columns never appear; writable limits the create body; strictInput closes it.
    expect(Object.keys(doc.components.schemas.Users.properties).sort()).toEqual([
      "deletedAt",
      "email",
      "id",
      "label",
      "name",
      "version",
    ]);
    expect(Object.keys(doc.components.schemas.UsersCreate.properties).sort()).toEqual(["age", "email", "id", "name"]);
    expect(doc.components.schemas.UsersCreate.required).toEqual(["name", "email"]);
    expect(doc.components.schemas.NotesCreate.additionalProperties).toBe(false);
    expect(doc.paths["/api/notes"].get.parameters.map((p: any) => p.name)).not.toContain("withDeleted");
  } finally {
    await t.close();
  }
});

it("can be turned off", async () => {
  const res = await createCovara({ openapi: false }).request("/__covara/openapi.json");
  expect(res.status).toBe(404);
});
