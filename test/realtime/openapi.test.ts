/** The OpenAPI document describes both live endpoints as event streams, and omits them when off. */
import { Validator } from "@seriousme/openapi-schema-validator";
import { expect, it } from "vitest";
import { createCovara } from "../../src";
import { dialectTargets } from "../helpers/dialects";

it("documents GET /subscribe and GET /aggregate/subscribe as text/event-stream, with the resume parameters", async () => {
  const t = await dialectTargets[0]!.open();
  try {
    const app = createCovara()
      .resource("/users", t.users, { id: t.users.id, db: t.db, softDelete: { field: "deletedAt" } })
      .resource("/notes", t.notes, { id: t.notes.id, db: t.db, subscriptions: false });
    const doc = (await (await app.request("/__covara/openapi.json")).json()) as any;
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    for (const path of ["/api/users/subscribe", "/api/users/aggregate/subscribe"]) {
      const get = doc.paths[path].get;
      expect(Object.keys(get.responses["200"].content)).toEqual(["text/event-stream"]);
      expect(get.responses["400"].content["application/problem+json"]).toBeDefined();
      expect(get.responses["503"]).toBeDefined();
      const names = get.parameters.map((p: any) => p.name);
      expect(names).toEqual(expect.arrayContaining(["filter", "Last-Event-ID", "lastEventId", "withDeleted"]));
    }
    expect(doc.paths["/api/users/subscribe"].get.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(["select", "orderBy", "limit", "snapshot"]),
    );
    expect(doc.paths["/api/users/aggregate/subscribe"].get.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(["groupBy", "sum", "having"]),
    );
    expect(doc.paths["/api/notes/subscribe"]).toBeUndefined();
    expect(doc.paths["/api/notes/aggregate/subscribe"]).toBeUndefined();
    await app.realtime.close();
  } finally {
    await t.close();
  }
});
