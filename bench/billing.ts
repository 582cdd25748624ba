/**
 * Webhook throughput of covara/billing: each event is a Stripe-signed `invoice.paid` with its own
 * id, handled end to end — signature and timestamp verified (HMAC-SHA256, Web Crypto), JSON parsed
 * and normalised, the event id claimed on the KV (dedupe), the plan's credits granted (balance +
 * history line), the account's link updated, the claim marked done. Variants:
 *   - `handleWebhook` directly, memory KV;
 *   - through the router (`app.request`, Hono routing, body read, JSON answer), memory KV;
 *   - `handleWebhook` on a real Redis (REDIS_URL), with `--concurrency` deliveries in flight, as
 *     a server under load would have.
 * Events are signed before timing; every round checks that the balance equals events × credits
 * (nothing lost, nothing granted twice) and then replays a slice to prove the dedupe holds.
 * Usage: taskset -c 1 node --import tsx bench/billing.ts [--events N] [--rounds N] [--concurrency N]
 */
import { createHmac } from "node:crypto";
import { Hono } from "hono";
import { createBilling, createBillingRouter, createStripeAdapter, type Billing } from "../src/billing";
import type { KV } from "../src/kernel/kv";
import { createMemoryKV, createRedisKV } from "../src/kv";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const EVENTS = option("events", 20_000);
const ROUNDS = option("rounds", 3);
const CONCURRENCY = option("concurrency", 64);
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SECRET = "whsec_bench";
const CREDITS = 10;

interface Delivery {
  body: string;
  headers: Headers;
}

function sign(events: number, round: number, variant: string): Delivery[] {
  const t = Math.floor(Date.now() / 1000);
  return Array.from({ length: events }, (_, i) => {
    const account = `user_${i % 1000}`;
    const body = JSON.stringify({
      id: `evt_${variant}_${round}_${i}`,
      type: "invoice.paid",
      data: {
        object: {
          object: "invoice",
          customer: `cus_${i % 1000}`,
          amount_paid: 900,
          currency: "usd",
          parent: {
            subscription_details: {
              subscription: `sub_${i % 1000}`,
              metadata: { covara_account: account, covara_plan: "pro" },
            },
          },
        },
      },
    });
    const v1 = createHmac("sha256", SECRET).update(`${t}.${body}`).digest("hex");
    return {
      body,
      headers: new Headers({ "stripe-signature": `t=${t},v1=${v1}`, "content-type": "application/json" }),
    };
  });
}

function billingOn(kv: KV, prefix: string): Billing {
  return createBilling({
    adapter: createStripeAdapter({ apiKey: "sk_bench" }),
    webhookSecret: SECRET,
    kv,
    keyPrefix: prefix,
    plans: [{ key: "pro", priceId: "price_pro", type: "subscription", credits: CREDITS }],
  });
}

/**
 * Runs `handle` over every delivery with `concurrency` in flight. Answers events per wall-clock
 * second and per CPU second of this process (user + system): on a shared machine the second is
 * what one core of its own would do, since time spent waiting for the CPU is not counted.
 */
async function drive(
  deliveries: Delivery[],
  concurrency: number,
  handle: (d: Delivery) => Promise<unknown>,
): Promise<{ wall: number; cpu: number }> {
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < deliveries.length) await handle(deliveries[next++]!);
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return {
    wall: deliveries.length / ((performance.now() - started) / 1000),
    cpu: deliveries.length / ((cpu.user + cpu.system) / 1e6),
  };
}

async function totalBalance(billing: Billing): Promise<number> {
  let total = 0;
  for (let i = 0; i < 1000; i++) total += await billing.credits.balance(`user_${i}`);
  return total;
}

interface Variant {
  name: string;
  events: number;
  concurrency: number;
  open(): Promise<{ kv: KV; prefix: string; cleanup(): Promise<void> }>;
  viaRouter: boolean;
}

const redisAvailable = await createRedisKV({ url: REDIS_URL, connectTimeoutMs: 1000 }).then(
  (kv) => kv.close().then(() => true),
  () => false,
);

const variants: Variant[] = [
  {
    name: "handleWebhook, memory KV",
    events: EVENTS,
    concurrency: 1,
    viaRouter: false,
    open: async () => ({ kv: createMemoryKV({ sweepIntervalMs: 0 }), prefix: "b:", cleanup: async () => {} }),
  },
  {
    name: "router (app.request), memory KV",
    events: EVENTS,
    concurrency: 1,
    viaRouter: true,
    open: async () => ({ kv: createMemoryKV({ sweepIntervalMs: 0 }), prefix: "b:", cleanup: async () => {} }),
  },
];
if (redisAvailable) {
  variants.push({
    name: `handleWebhook, Redis (${CONCURRENCY} in flight)`,
    events: Math.min(EVENTS, 10_000),
    concurrency: CONCURRENCY,
    viaRouter: false,
    open: async () => {
      const prefix = `covara-bench-billing:${Date.now().toString(36)}:`;
      const kv = await createRedisKV({ url: REDIS_URL, keyPrefix: prefix });
      return {
        kv,
        prefix: "",
        cleanup: async () => {
          for (const key of await kv.keys("")) await kv.delete(key);
          await kv.close();
        },
      };
    },
  });
} else {
  console.warn(`Redis at ${REDIS_URL} unreachable: the Redis variant is skipped`);
}

const results = new Map<string, { wall: number; cpu: number }[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of variants) {
    const { kv, prefix, cleanup } = await variant.open();
    const billing = billingOn(kv, prefix);
    const app = new Hono();
    app.route("/billing", createBillingRouter(billing, { getAccount: () => null }));
    const deliveries = sign(variant.events, round, variant.name.replace(/\W/g, ""));
    const handle = variant.viaRouter
      ? async (d: Delivery) => {
          const res = await app.request("/billing/webhook", { method: "POST", headers: d.headers, body: d.body });
          if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
          await res.arrayBuffer();
        }
      : (d: Delivery) => billing.handleWebhook(d.body, d.headers);
    const perSecond = await drive(deliveries, variant.concurrency, handle);
    // Correctness: every event granted once, and a replayed slice grants nothing more.
    const expected = variant.events * CREDITS;
    if ((await totalBalance(billing)) !== expected) throw new Error(`${variant.name}: balance is not ${expected}`);
    for (const d of deliveries.slice(0, 100)) {
      const outcome = await billing.handleWebhook(d.body, d.headers);
      if (outcome.status !== "duplicate") throw new Error(`${variant.name}: a replay was not a duplicate`);
    }
    if ((await totalBalance(billing)) !== expected) throw new Error(`${variant.name}: a replay granted credits`);
    await cleanup();
    results.set(variant.name, [...(results.get(variant.name) ?? []), perSecond]);
    console.log(
      `round ${round + 1} · ${variant.name}: ${Math.round(perSecond.wall).toLocaleString("en")} events/s wall, ${Math.round(perSecond.cpu).toLocaleString("en")} per CPU second`,
    );
  }
}

const median = (values: number[]) =>
  Math.round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!).toLocaleString("en");
console.log(
  `\nload average ${(await import("node:os"))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
console.log("| variant | events/s, wall clock | events per CPU second |\n|---|---|---|");
for (const [name, values] of results)
  console.log(`| ${name} | ${median(values.map((v) => v.wall))} | ${median(values.map((v) => v.cpu))} |`);
