/**
 * The credits ledger on the memory KV and a real Redis: grants, refused consumes, history, and the
 * race the ledger exists for — 1,000 concurrent consumes against a balance of 500.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createCreditsLedger, type CreditsLedger } from "../../src/billing/credits";
import type { KV } from "../../src/kernel/kv";
import { createMemoryKV } from "../../src/kv";
import { closeTestRedis, openTestRedis } from "../helpers/test-redis";

const redis = await openTestRedis("billing-credits");
const backends: { name: string; kv: KV }[] = [{ name: "memory", kv: createMemoryKV({ sweepIntervalMs: 0 }) }];
if (typeof redis !== "string") backends.push({ name: "redis", kv: redis });

afterAll(async () => {
  await closeTestRedis(redis);
});

describe.each(backends)("credits ledger [$name]", ({ kv }) => {
  let credits: CreditsLedger;
  let account: string;

  beforeEach(() => {
    credits = createCreditsLedger(kv, `t${Math.random().toString(36).slice(2)}:credits:`);
    account = "user:1";
  });

  it("starts at 0, grants, consumes and reports the balance", async () => {
    expect(await credits.balance(account)).toBe(0);
    expect((await credits.grant(account, 100, { reason: "signup" })).balance).toBe(100);
    const used = await credits.consume(account, 30, { reason: "export" });
    expect(used).toMatchObject({ ok: true, balance: 70 });
    expect(await credits.balance(account)).toBe(70);
  });

  it("refuses a consume beyond the balance and changes nothing", async () => {
    await credits.grant(account, 10);
    expect(await credits.consume(account, 11)).toEqual({ ok: false, balance: 10 });
    expect(await credits.balance(account)).toBe(10);
    expect(await credits.history(account)).toHaveLength(1);
  });

  it("keeps accounts apart, even ids that look like key separators", async () => {
    await credits.grant("a:balance", 5);
    await credits.grant("a", 7);
    expect(await credits.balance("a:balance")).toBe(5);
    expect(await credits.balance("a")).toBe(7);
  });

  it.each([-1, 0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])(
    "refuses the amount %s with invalid-credit-amount",
    async (amount) => {
      await expect(credits.grant(account, amount)).rejects.toMatchObject({
        code: "INVALID_CREDIT_AMOUNT",
        status: 400,
      });
      await expect(credits.consume(account, amount)).rejects.toMatchObject({
        code: "INVALID_CREDIT_AMOUNT",
        status: 400,
      });
      expect(await credits.balance(account)).toBe(0);
      expect(await credits.history(account)).toEqual([]);
    },
  );

  it("lists history newest first with the balance after each change", async () => {
    await credits.grant(account, 50, { reason: "plan", reference: "evt_1" });
    await new Promise((r) => setTimeout(r, 2));
    await credits.consume(account, 20);
    const history = await credits.history(account);
    expect(history.map((e) => [e.kind, e.amount, e.balance])).toEqual([
      ["consume", 20, 30],
      ["grant", 50, 50],
    ]);
    expect(history[1]).toMatchObject({ reason: "plan", reference: "evt_1" });
    expect(await credits.history(account, { limit: 1 })).toHaveLength(1);
  });

  it("keeps reasons with quotes, braces and unicode intact in the history", async () => {
    const reason = 'said "}" ,"balance":9 — é 𝄞';
    await credits.grant(account, 3, { reason });
    const [entry] = await credits.history(account);
    expect(entry).toMatchObject({ kind: "grant", amount: 3, balance: 3, reason });
  });

  it("1,000 concurrent consumes against a balance of 500 leave exactly 0 and refuse exactly 500, with a history that adds up", async () => {
    await credits.grant(account, 500);
    const results = await Promise.all(Array.from({ length: 1000 }, () => credits.consume(account, 1)));
    expect(results.filter((r) => r.ok)).toHaveLength(500);
    expect(results.filter((r) => !r.ok)).toHaveLength(500);
    expect(await credits.balance(account)).toBe(0);
    const history = await credits.history(account, { limit: 1000 });
    expect(history).toHaveLength(501);
    const sum = history.reduce((total, e) => total + (e.kind === "grant" ? e.amount : -e.amount), 0);
    expect(sum).toBe(0);
    // Every balance from 499 down to 0 was reached exactly once.
    const after = history
      .filter((e) => e.kind === "consume")
      .map((e) => e.balance)
      .sort((a, b) => a - b);
    expect(after).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it("mixed amounts under concurrency never overdraw", async () => {
    await credits.grant(account, 1000);
    const amounts = Array.from({ length: 400 }, (_, i) => (i % 7) + 1);
    const results = await Promise.all(amounts.map((a) => credits.consume(account, a)));
    const spent = results.reduce((total, r, i) => total + (r.ok ? (amounts[i] ?? 0) : 0), 0);
    expect(await credits.balance(account)).toBe(1000 - spent);
    expect(1000 - spent).toBeGreaterThanOrEqual(0);
  });
});
