/**
 * `client.billing` against a real server running the billing router (over HTTP on loopback, the
 * provider a local Stripe stand-in): plans, credits after a signed webhook, subscription actions,
 * checkout and portal links, and the router's problems arriving as typed client errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, createCoreClient, createBillingClient, CovaraClientError, type Client } from "../../src/client";
import { startBillingTestServer, type BillingTestServer } from "./fixtures/billing-server";

let server: BillingTestServer;
let client: Client;

beforeAll(async () => {
  server = await startBillingTestServer();
  client = createClient({ baseUrl: server.url, headers: { "x-account": "user_1" } });
});
afterAll(async () => {
  await server?.close();
});

describe("client.billing", () => {
  it("lists the plans", async () => {
    expect(await client.billing.plans()).toEqual([
      { key: "pro_monthly", type: "subscription", credits: 10_000 },
      { key: "team", type: "subscription", credits: 50_000 },
    ]);
  });

  it("shows no subscription and no credits before paying, then both after the provider's webhook", async () => {
    expect(await client.billing.subscription()).toEqual({ subscription: null, plan: null });
    expect(await client.billing.credits()).toEqual({ balance: 0, history: [] });
    expect((await server.pay("user_1", "evt_client_1")).status).toBe(200);
    const credits = await client.billing.credits({ limit: 5 });
    expect(credits.balance).toBe(10_000);
    expect(credits.history[0]).toMatchObject({ kind: "grant", amount: 10_000 });
    const { subscription, plan } = await client.billing.subscription();
    expect(plan).toBe("pro_monthly");
    expect(subscription).toMatchObject({ id: "sub_1", status: "active", cancelAtPeriodEnd: false });
  });

  it("cancels at period end, resumes and changes plan", async () => {
    expect((await client.billing.cancelSubscription({ atPeriodEnd: true })).cancelAtPeriodEnd).toBe(true);
    expect((await client.billing.resumeSubscription()).cancelAtPeriodEnd).toBe(false);
    expect((await client.billing.changePlan("team")).priceId).toBe("price_team");
  });

  it("opens checkout and portal links; redirectToCheckout answers the URL where there is no window", async () => {
    expect(await client.billing.checkout({ plan: "pro_monthly", successUrl: "/thanks" })).toEqual({
      id: "cs_1",
      url: `${server.url}/checkout-landing`,
    });
    expect(await client.billing.redirectToCheckout({ plan: "team" })).toBe(`${server.url}/checkout-landing`);
    expect(await client.billing.portal({ returnUrl: "/account" })).toEqual({ url: `${server.url}/portal-landing` });
  });

  it("turns the router's problems into typed errors", async () => {
    const anonymous = createClient({ baseUrl: server.url });
    const refused = await anonymous.billing.credits().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CovaraClientError);
    expect(refused).toMatchObject({ status: 401, code: "BILLING_ACCOUNT_REQUIRED" });
    await expect(client.billing.checkout({ plan: "platinum" })).rejects.toMatchObject({
      status: 400,
      code: "UNKNOWN_PLAN",
    });
    server.provider.respond(() => ({ status: 500, body: { error: { message: "boom" } } }));
    const failed = await client.billing.checkout({ plan: "pro_monthly" }).catch((error: unknown) => error);
    expect(failed).toMatchObject({ status: 502, code: "BILLING_PROVIDER_ERROR" });
    expect((failed as CovaraClientError).member("provider")).toBe("stripe");
  });

  it("works on the core client too, through createBillingClient, at another mount path", async () => {
    const core = createCoreClient({ baseUrl: server.url, headers: { "x-account": "user_1" } });
    const billing = createBillingClient(core.transport, "/api/billing/");
    expect((await billing.credits()).balance).toBe(10_000);
    const wrongPath = createBillingClient(core.transport, "/api/nothing");
    await expect(wrongPath.plans()).rejects.toMatchObject({ status: 404 });
  });
});
