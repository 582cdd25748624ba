/**
 * The admin UI's task and auth views: queued, running, failed and dead tasks of the app's queue
 * with replay of a dead one; users from the userManager with their sessions and API keys, revoked
 * from the UI (each audited).
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createMemoryAuditStore } from "../../src/admin";
import { createMemoryKV } from "../../src/kv";
import { defineTask, getTaskRegistry, initializeTasks, startTaskWorkers, type TaskWorker } from "../../src/tasks";
import { ADMIN, adminApp, csrfOf, page, postForm, userManager } from "./helpers/admin-app";

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("task view", () => {
  it("lists queued, running, failed and dead tasks, and replays a dead one", async () => {
    const audit = createMemoryAuditStore();
    const made = await adminApp({ userManager: userManager(), audit });
    cleanup.push(made.close);
    const kv = createMemoryKV();
    const scheduler = initializeTasks(kv, { app: made.app, keyPrefix: "admin-test:tasks:" });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const registry = getTaskRegistry(made.app);
    registry.register(
      defineTask({
        name: "doomed",
        input: z.object({ n: z.number() }),
        retry: { maxAttempts: 1, backoff: "fixed", delayMs: 10 },
        handler: () => Promise.reject(new Error("always <b>fails</b>")),
      }),
    );
    registry.register(
      defineTask({
        name: "flaky",
        input: z.object({ n: z.number() }),
        retry: { maxAttempts: 3, backoff: "fixed", delayMs: 60_000 },
        handler: () => Promise.reject(new Error("try later")),
      }),
    );
    registry.register(defineTask({ name: "slow", input: z.object({ n: z.number() }), handler: () => held }));
    registry.register(defineTask({ name: "eventual", input: z.object({ n: z.number() }), handler: () => 1 }));
    const worker: TaskWorker = await startTaskWorkers(kv, registry, 2, {
      keyPrefix: "admin-test:tasks:",
      pollIntervalMs: 20,
    });
    cleanup.push(async () => {
      release();
      await worker.stop();
    });
    const dead = await scheduler.enqueue("doomed", { n: 1 });
    await scheduler.enqueue("flaky", { n: 2 });
    await scheduler.enqueue("slow", { n: 3 });
    await scheduler.enqueue("eventual", { n: 4 }, { delayMs: 3_600_000 });
    await until(
      async () =>
        (await scheduler.listDeadLetters()).length === 1 && (await scheduler.getTaskStatus(dead.id))?.status === "dead",
    );
    await until(async () => (await page(made.app, "/__covara/ui/tasks?state=failed")).includes("try later"));

    expect(await page(made.app, "/__covara/ui/tasks?state=queued")).toContain("<td>eventual</td>");
    await until(async () => (await page(made.app, "/__covara/ui/tasks?state=running")).includes("slow"));
    expect(await page(made.app, "/__covara/ui/tasks?state=running")).toContain("slow");
    const failed = await page(made.app, "/__covara/ui/tasks?state=failed");
    expect(failed).toContain("flaky");
    expect(failed).not.toContain("eventual");
    const dlq = await page(made.app, "/__covara/ui/tasks?state=dlq");
    expect(dlq).toContain(dead.id);
    expect(dlq).toContain("always &lt;b&gt;fails&lt;/b&gt;");

    const replayed = await postForm(made.app, `/__covara/ui/tasks/${dead.id}/replay`, ADMIN, { _csrf: csrfOf(dlq) });
    expect(replayed.status).toBe(303);
    expect(decodeURIComponent(replayed.headers.get("location") ?? "")).toContain(`Replayed ${dead.id}`);
    expect((await scheduler.getTaskStatus(dead.id))?.replayedAs).toBeTruthy();
    expect((await audit.recent(10)).map((entry) => entry.action)).toContain("task_replay");
  });

  it("says so when the app has no scheduler", async () => {
    const made = await adminApp();
    cleanup.push(made.close);
    expect(await page(made.app, "/__covara/ui/tasks")).toContain("no task scheduler");
  });
});

describe("auth view", () => {
  it("lists users from the userManager and revokes a session and an API key", async () => {
    const sessions = new Map([
      ["s-1", { id: "s-1", userId: "ann", createdAt: new Date(0), expiresAt: new Date(86_400_000) }],
    ]);
    const keys = new Map([
      [
        "k-1",
        { id: "k-1", name: "ci <deploy>", createdAt: new Date(0), revokedAt: null as Date | null, lastUsedAt: null },
      ],
    ]);
    const audit = createMemoryAuditStore();
    const made = await adminApp({
      audit,
      userManager: userManager({
        sessions: {
          listByUser: async (id) => [...sessions.values()].filter((session) => session.userId === id),
          delete: async (id) => void sessions.delete(id),
        },
        apiKeys: {
          list: async () => [...keys.values()],
          revoke: async (id) => {
            const key = keys.get(id);
            if (!key || key.revokedAt) return false;
            key.revokedAt = new Date();
            return true;
          },
        },
      }),
    });
    cleanup.push(made.close);
    const list = await page(made.app, "/__covara/ui/auth");
    for (const name of ["Root", "Ann", "Bob", "Ada"]) expect(list).toContain(name);
    const detail = await page(made.app, "/__covara/ui/auth?user=ann");
    expect(detail).toContain("s-1");
    expect(detail).toContain("ci &lt;deploy&gt;");
    const csrf = csrfOf(detail);
    expect(
      (await postForm(made.app, "/__covara/ui/auth/users/ann/sessions/s-1/revoke", ADMIN, { _csrf: csrf })).status,
    ).toBe(303);
    expect(sessions.size).toBe(0);
    expect(
      (await postForm(made.app, "/__covara/ui/auth/users/ann/keys/k-1/revoke", ADMIN, { _csrf: csrf })).status,
    ).toBe(303);
    expect(keys.get("k-1")?.revokedAt).toBeInstanceOf(Date);
    expect(await page(made.app, "/__covara/ui/auth?user=ann")).toContain("revoked");
    expect((await audit.recent(10)).map((entry) => entry.action)).toEqual(
      expect.arrayContaining(["session_revoke", "api_key_revoke"]),
    );
  });
});
