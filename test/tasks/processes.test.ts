/**
 * Worker processes sharing the real Redis at REDIS_URL: at-least-once across a SIGKILL, exactly one
 * run per task when nothing crashes, and maxConcurrency enforced across processes. Each test has
 * its own key prefix; skipped with a printed reason when Redis is unreachable.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KV } from "../../src/kernel/kv";
import { createRedisKV } from "../../src/kv";
import { createTaskRegistry, createTaskScheduler, type TaskScheduler } from "../../src/tasks";
import { REDIS_URL, redisSkipReason } from "../helpers/test-redis";
import { LIMIT, processTasks } from "./fixtures/process-tasks";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER_SCRIPT = "test/tasks/fixtures/task-worker.ts";

type WorkerEvent = { event: string; pid: number; [field: string]: unknown };

/** A worker process and the JSON lines it has printed so far. */
interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  events: WorkerEvent[];
  exited: Promise<void>;
}

const unavailable = await redisSkipReason();
if (unavailable !== null) {
  console.warn(`Skipping the multi-process task tests: ${unavailable} (set REDIS_URL to a reachable Redis)`);
  describe.skip("task workers in separate processes (no Redis at REDIS_URL)", () => {
    it("needs Redis", () => {});
  });
} else {
  describeProcesses();
}

async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function describeProcesses(): void {
  describe("task workers in separate processes sharing Redis", () => {
    let prefix: string;
    let kv: KV;
    let scheduler: TaskScheduler;
    const workers: WorkerProcess[] = [];

    /** Starts a worker process and resolves once it is claiming. */
    async function startWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
      const child = spawn(process.execPath, ["--import", "tsx", WORKER_SCRIPT], {
        cwd: ROOT,
        env: { ...process.env, REDIS_URL, TASK_PREFIX: prefix, POLL_MS: "100", ...env },
        stdio: ["ignore", "pipe", "inherit"],
      });
      const events: WorkerEvent[] = [];
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line.startsWith("{")) events.push(JSON.parse(line) as WorkerEvent);
      });
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const worker: WorkerProcess = { child, pid: child.pid!, events, exited };
      workers.push(worker);
      await waitUntil(
        () => events.some((e) => e.event === "ready") || child.exitCode !== null,
        "a worker process to start",
      );
      expect(child.exitCode).toBeNull();
      return worker;
    }

    beforeEach(async () => {
      prefix = `tasktest-proc:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}:`;
      kv = await createRedisKV({ url: REDIS_URL });
      const registry = createTaskRegistry();
      for (const task of processTasks(kv, prefix)) registry.register(task);
      scheduler = createTaskScheduler(kv, registry, { keyPrefix: prefix });
    });

    afterEach(async () => {
      for (const worker of workers.splice(0)) {
        if (worker.child.exitCode === null && worker.child.signalCode === null) {
          worker.child.kill("SIGTERM");
          // A drain that cannot finish (a hung handler) ends with SIGKILL.
          const timer = setTimeout(() => worker.child.kill("SIGKILL"), 5000);
          await worker.exited;
          clearTimeout(timer);
        }
        // No process may have reported an infrastructure error.
        expect(worker.events.filter((e) => e.event === "error")).toEqual([]);
      }
      for (const key of await kv.keys(prefix)) await kv.delete(key);
      await kv.close();
    });

    it("a task whose process is SIGKILLed mid-run is picked up by another process and completed exactly once", async () => {
      const settings = { LEASE_MS: "400", HEARTBEAT_MS: "100", CONCURRENCY: "2" };
      const first = await startWorker(settings);
      const second = await startWorker(settings);
      const { id } = await scheduler.enqueue("hang-once", { label: "invoice-42" });

      // Whichever process claimed it says so, then hangs inside the handler.
      let started: WorkerEvent | undefined;
      await waitUntil(() => {
        started = [...first.events, ...second.events].find((e) => e.event === "started" && e.id === id);
        return started !== undefined;
      }, "the task to start");
      const victim = started!.pid === first.pid ? first : second;
      const survivor = victim === first ? second : first;
      expect(await scheduler.getTaskStatus(id)).toMatchObject({ status: "running", attempt: 1 });

      victim.child.kill("SIGKILL");
      await victim.exited;
      const outcome = await scheduler.waitFor(id, { timeoutMs: 20_000 });

      expect(outcome).toEqual({ id, status: "completed", result: { label: "invoice-42", pid: survivor.pid, run: 2 } });
      // Started twice (once in each process), completed once, the crash not charged as an attempt.
      expect(await kv.get(`${prefix}runs:${id}`)).toBe("2");
      expect(await kv.get(`${prefix}completions:${id}`)).toBe("1");
      expect(survivor.events.filter((e) => e.event === "started" && e.id === id)).toEqual([
        expect.objectContaining({ run: 2, attempt: 1 }),
      ]);
      expect(await scheduler.getTaskStatus(id)).toMatchObject({
        status: "completed",
        attempt: 1,
        lapses: 1,
        error: expect.stringContaining("Lease expired"),
      });
      // Nothing left behind: no lease, nothing queued, nothing dead.
      expect(await kv.zcard(`${prefix}leases`)).toBe(0);
      expect(await kv.zcard(`${prefix}ready`)).toBe(0);
      expect(await scheduler.listDeadLetters()).toEqual([]);
    });

    it("three processes run 150 tasks exactly once each, and all of them take part", async () => {
      const pool = await Promise.all([1, 2, 3].map(() => startWorker({ CONCURRENCY: "4" })));
      const ids: string[] = [];
      for (let n = 0; n < 150; n++) ids.push((await scheduler.enqueue("count", n)).id);
      const pids = new Set<unknown>();
      for (const id of ids) {
        const outcome = await scheduler.waitFor(id, { timeoutMs: 20_000 });
        expect(outcome.status).toBe("completed");
        pids.add((outcome as { result: unknown }).result);
        expect(await kv.get(`${prefix}count:${id}`)).toBe("1");
      }
      expect([...pids].every((pid) => pool.some((worker) => worker.pid === pid))).toBe(true);
      expect(pids.size).toBeGreaterThanOrEqual(2);
    });

    it(`enforces maxConcurrency (${LIMIT}) across processes`, async () => {
      await Promise.all([1, 2].map(() => startWorker({ CONCURRENCY: "4" })));
      const ids: string[] = [];
      for (let n = 0; n < 16; n++) ids.push((await scheduler.enqueue("limited", n)).id);
      for (const id of ids) expect((await scheduler.waitFor(id, { timeoutMs: 20_000 })).status).toBe("completed");
      const seen = (await kv.zrange(`${prefix}limited:seen`)).map((entry) => entry.score);
      expect(Math.max(...seen)).toBe(LIMIT);
      expect(await kv.zcard(`${prefix}running:limited`)).toBe(0);
    });
  });
}
