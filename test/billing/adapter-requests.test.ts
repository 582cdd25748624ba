/**
 * Our adapters' requests against the providers' own SDKs, used as oracles: both are pointed at one
 * local recording server and make the same call; the requests must agree in method, path, the
 * headers that matter and the body (Stripe's bracket-notation form, the others' JSON). The SDKs
 * may reject the canned answers (Polar validates them strictly): only their requests count here.
 * Lemon Squeezy's SDK has a fixed origin, so its `fetch` is redirected to the local server.
 */
import {
  lemonSqueezySetup,
  cancelSubscription as lsCancel,
  createCheckout as lsCreateCheckout,
  createUsageRecord as lsCreateUsageRecord,
  getCustomer as lsGetCustomer,
  getSubscription as lsGetSubscription,
  updateSubscription as lsUpdateSubscription,
} from "@lemonsqueezy/lemonsqueezy.js";
import { Paddle } from "@paddle/paddle-node-sdk";
import { Polar } from "@polar-sh/sdk";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type BillingAdapter,
  type BillingPlan,
  createLemonSqueezyAdapter,
  createPaddleAdapter,
  createPolarAdapter,
  createStripeAdapter,
} from "../../src/billing";
import { type RecordedRequest, startProviderServer, type ProviderServer } from "./helpers/provider-server";

let server: ProviderServer;
beforeAll(async () => {
  server = await startProviderServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

const pro: BillingPlan = { key: "pro_monthly", priceId: "price_pro", type: "subscription", credits: 100 };
const pack: BillingPlan = { key: "pack_500", priceId: "price_pack", type: "one-time", credits: 500 };
const team: BillingPlan = { key: "team", priceId: "price_team", type: "subscription" };
const metadata = { covara_account: "user_1", covara_plan: "pro_monthly" };

/** The requests `run` makes, whether or not it succeeds. */
async function recorded(run: () => Promise<unknown>): Promise<RecordedRequest[]> {
  const from = server.requests.length;
  await run().catch(() => undefined);
  return server.requests.slice(from);
}

/** Form pairs decoded, for comparing two encodings of the same data. */
function formPairs(body: string): string[] {
  return body === "" ? [] : body.split("&").map((pair) => decodeURIComponent(pair.replace(/\+/g, " ")));
}

interface Shape {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: unknown;
}

function shapeOf(request: RecordedRequest, headerNames: string[], form: boolean): Shape {
  const headers: Record<string, string | undefined> = {};
  for (const name of headerNames) {
    // A content type on a request without a body says nothing (Stripe's SDK sends one anyway).
    if (name === "content-type" && request.body === "") continue;
    const value = request.headers[name];
    // The auth scheme is case-insensitive (Paddle's SDK writes "bearer").
    headers[name] = name === "authorization" && value ? value.replace(/^bearer /i, "Bearer ") : value;
  }
  let body: unknown = request.body;
  if (form) body = formPairs(request.body).sort();
  else if (request.body !== "") body = JSON.parse(request.body);
  return { method: request.method, path: request.path, headers, body };
}

async function expectSameRequests(
  sdk: () => Promise<unknown>,
  ours: () => Promise<unknown>,
  headerNames: string[],
  form = false,
): Promise<RecordedRequest[]> {
  const theirs = await recorded(sdk);
  const mine = await recorded(ours);
  expect(theirs.length).toBeGreaterThan(0);
  expect(mine.map((r) => shapeOf(r, headerNames, form))).toEqual(theirs.map((r) => shapeOf(r, headerNames, form)));
  return mine;
}

describe("Stripe adapter vs the stripe SDK", () => {
  let stripe: Stripe;
  let adapter: BillingAdapter;
  const stripeHeaders = ["authorization", "content-type", "stripe-version"];

  beforeAll(() => {
    const { port } = new URL(server.url);
    stripe = new Stripe("sk_test_local", {
      host: "127.0.0.1",
      port: Number(port),
      protocol: "http",
      maxNetworkRetries: 0,
    });
    adapter = createStripeAdapter({ apiKey: "sk_test_local", baseUrl: server.url, apiVersion: Stripe.API_VERSION });
  });

  beforeEach(() => {
    server.respond((request) => {
      if (request.path.startsWith("/v1/subscriptions")) {
        return {
          body: {
            id: "sub_1",
            object: "subscription",
            status: "active",
            customer: "cus_1",
            cancel_at_period_end: false,
            items: {
              object: "list",
              data: [{ id: "si_1", price: { id: "price_pro" }, current_period_end: 1_900_000_000 }],
            },
          },
        };
      }
      return { body: { id: "cs_1", object: "checkout.session", url: "https://checkout.stripe.com/c/pay/cs_1" } };
    });
  });

  it("creates a subscription checkout session the same way, form-encoded in bracket notation", async () => {
    const [request] = await expectSameRequests(
      () =>
        stripe.checkout.sessions.create({
          mode: "subscription",
          line_items: [{ price: "price_pro", quantity: 1 }],
          success_url: "https://app.test/ok",
          cancel_url: "https://app.test/no",
          client_reference_id: "user_1",
          customer_email: "a@b.test",
          metadata,
          subscription_data: { metadata },
        }),
      () =>
        adapter.createCheckout({
          plan: pro,
          account: "user_1",
          email: "a@b.test",
          successUrl: "https://app.test/ok",
          cancelUrl: "https://app.test/no",
        }),
      stripeHeaders,
      true,
    );
    expect(request?.body).toContain("line_items[0][price]=price_pro");
    expect(request?.body).toContain("subscription_data[metadata][covara_account]=user_1");
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request?.headers["idempotency-key"]).toBeTruthy();
  });

  it("creates a one-time purchase the same way", async () => {
    const oneTime = { ...metadata, covara_plan: "pack_500" };
    await expectSameRequests(
      () =>
        stripe.checkout.sessions.create({
          mode: "payment",
          line_items: [{ price: "price_pack", quantity: 2 }],
          success_url: "https://app.test/ok",
          cancel_url: "https://app.test/no",
          client_reference_id: "user_1",
          customer: "cus_1",
          metadata: oneTime,
          payment_intent_data: { metadata: oneTime },
        }),
      () =>
        adapter.createCheckout({
          plan: pack,
          account: "user_1",
          customerId: "cus_1",
          quantity: 2,
          successUrl: "https://app.test/ok",
          cancelUrl: "https://app.test/no",
        }),
      stripeHeaders,
      true,
    );
  });

  it("reads, cancels (at period end and now), resumes and changes plan the same way", async () => {
    await expectSameRequests(
      () => stripe.subscriptions.retrieve("sub_1"),
      () => adapter.getSubscription("sub_1"),
      stripeHeaders,
    );
    await expectSameRequests(
      () => stripe.subscriptions.update("sub_1", { cancel_at_period_end: true }),
      () => adapter.cancelSubscription("sub_1", { atPeriodEnd: true }),
      stripeHeaders,
      true,
    );
    await expectSameRequests(
      () => stripe.subscriptions.cancel("sub_1"),
      () => adapter.cancelSubscription("sub_1", { atPeriodEnd: false }),
      stripeHeaders,
      true,
    );
    await expectSameRequests(
      () => stripe.subscriptions.update("sub_1", { cancel_at_period_end: false }),
      () => adapter.resumeSubscription("sub_1"),
      stripeHeaders,
      true,
    );
    await expectSameRequests(
      async () => {
        const current = await stripe.subscriptions.retrieve("sub_1");
        return stripe.subscriptions.update("sub_1", {
          items: [{ id: current.items.data[0]?.id, price: "price_team" }],
          proration_behavior: "create_prorations",
        });
      },
      () => adapter.changePlan("sub_1", team),
      stripeHeaders,
      true,
    );
  });

  it("maps the subscription it reads", async () => {
    expect(await adapter.getSubscription("sub_1")).toEqual({
      id: "sub_1",
      status: "active",
      providerStatus: "active",
      priceId: "price_pro",
      customerId: "cus_1",
      cancelAtPeriodEnd: false,
      currentPeriodEnd: new Date(1_900_000_000 * 1000).toISOString(),
    });
  });

  it("reports usage as a Billing meter event and opens the portal the same way", async () => {
    await expectSameRequests(
      () =>
        stripe.billing.meterEvents.create({
          event_name: "api_calls",
          payload: { stripe_customer_id: "cus_1", value: "5" },
          timestamp: 1_800_000_000,
        }),
      () => adapter.reportUsage({ customerId: "cus_1", meter: "api_calls", quantity: 5, timestamp: 1_800_000_000 }),
      stripeHeaders,
      true,
    );
    await expectSameRequests(
      () => stripe.billingPortal.sessions.create({ customer: "cus_1", return_url: "https://app.test/account" }),
      () => adapter.createPortalSession({ customerId: "cus_1", returnUrl: "https://app.test/account" }),
      stripeHeaders,
      true,
    );
  });
});

describe("Paddle adapter vs @paddle/paddle-node-sdk", () => {
  let paddle: Paddle;
  let adapter: BillingAdapter;
  const paddleHeaders = ["authorization", "content-type"];

  beforeAll(() => {
    paddle = new Paddle("pdl_local", { environment: server.url as never });
    adapter = createPaddleAdapter({ apiKey: "pdl_local", baseUrl: server.url });
  });

  beforeEach(() => {
    server.respond(() => ({
      body: {
        data: {
          id: "sub_01",
          status: "active",
          customer_id: "ctm_1",
          items: [{ price: { id: "pri_1" } }],
          scheduled_change: null,
          current_billing_period: { ends_at: "2030-01-01T00:00:00Z" },
          checkout: { url: "https://pay.test/txn" },
          urls: { general: { overview: "https://portal.test" } },
        },
      },
    }));
  });

  it("creates the checkout transaction the same way", async () => {
    await expectSameRequests(
      () => paddle.transactions.create({ items: [{ priceId: "pri_1", quantity: 1 }], customData: metadata }),
      () =>
        adapter.createCheckout({
          plan: { ...pro, priceId: "pri_1" },
          account: "user_1",
          successUrl: "https://app.test/ok",
          cancelUrl: "https://app.test/no",
        }),
      paddleHeaders,
    );
  });

  it("reads, cancels, changes plan, charges usage and opens the portal the same way", async () => {
    await expectSameRequests(
      () => paddle.subscriptions.get("sub_01"),
      () => adapter.getSubscription("sub_01"),
      ["authorization"],
    );
    await expectSameRequests(
      () => paddle.subscriptions.cancel("sub_01", { effectiveFrom: "next_billing_period" }),
      () => adapter.cancelSubscription("sub_01", { atPeriodEnd: true }),
      paddleHeaders,
    );
    await expectSameRequests(
      () => paddle.subscriptions.cancel("sub_01", { effectiveFrom: "immediately" }),
      () => adapter.cancelSubscription("sub_01", { atPeriodEnd: false }),
      paddleHeaders,
    );
    await expectSameRequests(
      () =>
        paddle.subscriptions.update("sub_01", {
          items: [{ priceId: "pri_team", quantity: 1 }],
          prorationBillingMode: "prorated_immediately",
        }),
      () => adapter.changePlan("sub_01", { ...team, priceId: "pri_team" }),
      paddleHeaders,
    );
    await expectSameRequests(
      () =>
        paddle.subscriptions.createOneTimeCharge("sub_01", {
          effectiveFrom: "next_billing_period",
          items: [{ priceId: "pri_usage", quantity: 7 }],
        }),
      () => adapter.reportUsage({ subscriptionId: "sub_01", priceId: "pri_usage", meter: "x", quantity: 7 }),
      paddleHeaders,
    );
    await expectSameRequests(
      () => paddle.customerPortalSessions.create("ctm_1", ["sub_01"]),
      () =>
        adapter.createPortalSession({ customerId: "ctm_1", subscriptionId: "sub_01", returnUrl: "https://app.test" }),
      paddleHeaders,
    );
  });

  it("resumes a subscription scheduled to cancel by removing the scheduled change, as the SDK's update does", async () => {
    const mine = await recorded(() => adapter.resumeSubscription("sub_01"));
    const theirs = [
      ...(await recorded(() => paddle.subscriptions.get("sub_01"))),
      ...(await recorded(() => paddle.subscriptions.update("sub_01", { scheduledChange: null }))),
    ];
    expect(mine.map((r) => shapeOf(r, paddleHeaders, false))).toEqual(
      theirs.map((r) => shapeOf(r, paddleHeaders, false)),
    );
  });
});

describe("Lemon Squeezy adapter vs @lemonsqueezy/lemonsqueezy.js", () => {
  let adapter: BillingAdapter;
  const realFetch = globalThis.fetch;
  const lsHeaders = ["authorization", "accept"];

  beforeAll(() => {
    lemonSqueezySetup({ apiKey: "ls_local" });
    adapter = createLemonSqueezyAdapter({ apiKey: "ls_local", storeId: "11", baseUrl: server.url });
    // The SDK's origin is fixed: its requests are redirected to the recording server.
    globalThis.fetch = (input, init) =>
      realFetch(
        String(input instanceof Request ? input.url : input).replace("https://api.lemonsqueezy.com", server.url),
        init,
      );
  });
  afterAll(() => {
    globalThis.fetch = realFetch;
  });
  beforeEach(() => {
    server.respond(() => ({
      body: {
        data: {
          id: "7",
          type: "subscriptions",
          attributes: {
            status: "active",
            variant_id: 22,
            customer_id: 9,
            cancelled: false,
            renews_at: "2030-01-01T00:00:00Z",
            url: "https://shop.test/checkout/x",
            urls: { customer_portal: "https://shop.test/billing" },
          },
        },
      },
    }));
  });

  it("creates the checkout the same way (JSON:API)", async () => {
    const [request] = await expectSameRequests(
      () =>
        lsCreateCheckout(11, 22, {
          checkoutData: { email: "a@b.test", custom: metadata },
          productOptions: { redirectUrl: "https://app.test/ok" },
        }),
      () =>
        adapter.createCheckout({
          plan: { ...pro, priceId: "22" },
          account: "user_1",
          email: "a@b.test",
          successUrl: "https://app.test/ok",
          cancelUrl: "https://app.test/no",
        }),
      [...lsHeaders, "content-type"],
    );
    expect(request?.headers["content-type"]).toBe("application/vnd.api+json");
  });

  it("reads, cancels, resumes, changes plan, records usage and finds the portal the same way", async () => {
    await expectSameRequests(
      () => lsGetSubscription(7),
      () => adapter.getSubscription("7"),
      lsHeaders,
    );
    await expectSameRequests(
      () => lsCancel(7),
      () => adapter.cancelSubscription("7", { atPeriodEnd: true }),
      lsHeaders,
    );
    await expectSameRequests(
      () => lsUpdateSubscription(7, { cancelled: false }),
      () => adapter.resumeSubscription("7"),
      [...lsHeaders, "content-type"],
    );
    await expectSameRequests(
      () => lsUpdateSubscription(7, { variantId: 33 }),
      () => adapter.changePlan("7", { ...team, priceId: "33" }),
      [...lsHeaders, "content-type"],
    );
    await expectSameRequests(
      () => lsCreateUsageRecord({ quantity: 4, subscriptionItemId: 55 }),
      () => adapter.reportUsage({ subscriptionItemId: "55", meter: "x", quantity: 4 }),
      [...lsHeaders, "content-type"],
    );
    await expectSameRequests(
      () => lsGetCustomer(9),
      () => adapter.createPortalSession({ customerId: "9", returnUrl: "https://app.test" }),
      lsHeaders,
    );
  });

  it("refuses an immediate cancel it cannot do, without calling the provider", async () => {
    const calls = await recorded(() => adapter.cancelSubscription("7", { atPeriodEnd: false }));
    expect(calls).toEqual([]);
    await expect(adapter.cancelSubscription("7", { atPeriodEnd: false })).rejects.toMatchObject({
      code: "BILLING_UNSUPPORTED",
    });
  });
});

describe("Polar adapter vs @polar-sh/sdk", () => {
  let polar: Polar;
  let adapter: BillingAdapter;
  const polarHeaders = ["authorization", "content-type", "accept"];

  beforeAll(() => {
    polar = new Polar({ accessToken: "polar_local", serverURL: server.url, retryConfig: { strategy: "none" } });
    adapter = createPolarAdapter({ accessToken: "polar_local", baseUrl: server.url });
  });
  beforeEach(() => {
    server.respond(() => ({
      body: {
        id: "sub_p",
        status: "active",
        product_id: "prod_1",
        customer_id: "cus_p",
        cancel_at_period_end: false,
        current_period_end: "2030-01-01T00:00:00Z",
        url: "https://polar.test/checkout",
        customer_portal_url: "https://polar.test/portal",
      },
    }));
  });

  it("creates the checkout the same way", async () => {
    await expectSameRequests(
      () =>
        polar.checkouts.create({
          products: ["prod_1"],
          successUrl: "https://app.test/ok",
          externalCustomerId: "user_1",
          customerEmail: "a@b.test",
          metadata,
        }),
      () =>
        adapter.createCheckout({
          plan: { ...pro, priceId: "prod_1" },
          account: "user_1",
          email: "a@b.test",
          successUrl: "https://app.test/ok",
          cancelUrl: "https://app.test/no",
        }),
      polarHeaders,
    );
  });

  it("reads, cancels, revokes, resumes, changes plan, ingests usage and opens the portal the same way", async () => {
    await expectSameRequests(
      () => polar.subscriptions.get({ id: "sub_p" }),
      () => adapter.getSubscription("sub_p"),
      ["authorization", "accept"],
    );
    await expectSameRequests(
      () => polar.subscriptions.update({ id: "sub_p", subscriptionUpdate: { cancelAtPeriodEnd: true } }),
      () => adapter.cancelSubscription("sub_p", { atPeriodEnd: true }),
      polarHeaders,
    );
    await expectSameRequests(
      () => polar.subscriptions.revoke({ id: "sub_p" }),
      () => adapter.cancelSubscription("sub_p", { atPeriodEnd: false }),
      ["authorization", "accept"],
    );
    await expectSameRequests(
      () => polar.subscriptions.update({ id: "sub_p", subscriptionUpdate: { cancelAtPeriodEnd: false } }),
      () => adapter.resumeSubscription("sub_p"),
      polarHeaders,
    );
    await expectSameRequests(
      () => polar.subscriptions.update({ id: "sub_p", subscriptionUpdate: { productId: "prod_2" } }),
      () => adapter.changePlan("sub_p", { ...team, priceId: "prod_2" }),
      polarHeaders,
    );
    await expectSameRequests(
      () =>
        polar.events.ingest({
          events: [{ name: "api_calls", externalCustomerId: "user_1", metadata: { quantity: 3 } }],
        }),
      () => adapter.reportUsage({ account: "user_1", meter: "api_calls", quantity: 3 }),
      polarHeaders,
    );
    await expectSameRequests(
      () => polar.customerSessions.create({ customerId: "cus_p" }),
      () => adapter.createPortalSession({ customerId: "cus_p", returnUrl: "https://app.test" }),
      polarHeaders,
    );
  });
});
