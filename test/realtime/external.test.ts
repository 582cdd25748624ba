/**
 * recordExternalMutation's contract at its edges: which hub records the change, what happens
 * without one, and the arguments a server author can get wrong.
 */
import { afterEach, expect, it } from "vitest";
import { recordExternalMutation } from "../../src";
import { onMutations, type Mutation } from "../../src/kernel/mutations";
import { createRealtime } from "../../src/realtime";
import { send } from "../helpers/app";
import { openSse } from "../helpers/sse";
import { eachDialect } from "../helpers/suite";
import { closeLiveApps, liveUsersApp } from "./live-app";

const stops: (() => void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await closeLiveApps();
});

eachDialect("recordExternalMutation", (use) => {
  it("records in the hub of the app that most recently mounted the resource, and appears on the feed once", async () => {
    const older = liveUsersApp(use());
    const app = liveUsersApp(use());
    const seen: Mutation[] = [];
    stops.push(onMutations((batch) => void seen.push(...batch)));
    const entry = await recordExternalMutation("users", "delete", { objectId: 42 });
    expect(entry).toMatchObject({ seq: 1, resource: "users", op: "delete", objectId: "42" });
    expect(await app.realtime.changelog.latestSeq()).toBe(1);
    expect(await older.realtime.changelog.latestSeq()).toBe(0);
    expect(seen.map((m) => [m.resource, m.op, m.id, m.db])).toEqual([["users", "delete", 42, undefined]]);
  });

  it("a delete is taken at its word: subscribers holding the row get it removed, no database read", async () => {
    const app = liveUsersApp(use());
    await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x.io" } });
    const { reader } = await openSse(app, "/api/users/subscribe");
    await reader.take(2);
    await recordExternalMutation("users", "delete", { objectId: 1, realtime: app.realtime });
    const [removed] = await reader.take(1);
    expect([removed!.event, removed!.data]).toEqual(["removed", { seq: 2, id: 1 }]);
    await reader.cancel();
  });

  it("without any hub serving the resource it still reaches the feed and resolves null", async () => {
    const seen: Mutation[] = [];
    stops.push(onMutations((batch) => void seen.push(...batch)));
    expect(await recordExternalMutation("nobody-mounts-this", "update", { objectId: "x" })).toBeNull();
    expect(seen.map((m) => [m.resource, m.op, m.id])).toEqual([["nobody-mounts-this", "update", "x"]]);
    const worker = createRealtime();
    const entry = await recordExternalMutation("nobody-mounts-this", "create", { objectId: 1, realtime: worker });
    expect(entry?.seq).toBe(1);
    await worker.close();
  });

  it("refuses bad arguments with a TypeError naming the argument", async () => {
    await expect(recordExternalMutation("", "update", { objectId: 1 })).rejects.toThrow(
      /resource must be a non-empty string/,
    );
    await expect(recordExternalMutation("users", "upsert" as never, { objectId: 1 })).rejects.toThrow(
      /op must be create, update or delete/,
    );
    await expect(recordExternalMutation("users", "update", { objectId: "" })).rejects.toThrow(/objectId/);
    await expect(recordExternalMutation("users", "update", { objectId: Number.NaN })).rejects.toThrow(/objectId/);
    await expect(recordExternalMutation("users", "update", {} as never)).rejects.toThrow(/objectId/);
  });
});
