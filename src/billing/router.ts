/**
 * `createBillingRouter`: the HTTP face of billing, mounted with `app.route("/api/billing", …)`.
 * Account routes (plans, checkout, portal, subscription, credits) act for the account
 * `getAccount` names; the webhook route is the provider's, authenticated by its signature.
 */
import { type Context, Hono } from "hono";
import { readBoundedText, readJsonObject } from "../kernel/body";
import { errorHandler } from "../kernel/error-handler";
import { ProblemError } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import type { Billing } from "./create-billing";
import "./problems";

type MaybePromise<T> = T | Promise<T>;

/** Options of `createBillingRouter`. */
export interface BillingRouterOptions<E extends CovaraEnv = CovaraEnv> {
  /** The billing account of the request (a user or organisation id); nothing means 401. */
  getAccount: (c: Context<E>) => MaybePromise<string | number | null | undefined>;
  /** Prefills the checkout's email. */
  getCustomerEmail?: (c: Context<E>) => MaybePromise<string | null | undefined>;
  /**
   * Where checkout and portal send the customer back when the client does not say (relative to
   * the request's origin; default `/`). A URL the client gives must be on the request's origin or
   * on one of `allowedReturnOrigins`, so the router is never an open redirect.
   */
  successUrl?: string;
  cancelUrl?: string;
  returnUrl?: string;
  allowedReturnOrigins?: readonly string[];
  /** The largest webhook body accepted, in bytes (default 1 MiB). */
  maxWebhookBytes?: number;
}

const DEFAULT_MAX_WEBHOOK_BYTES = 1024 * 1024;
const HISTORY_LIMIT_MAX = 1000;

/** Creates the billing router. */
export function createBillingRouter<E extends CovaraEnv = CovaraEnv>(
  billing: Billing,
  options: BillingRouterOptions<E>,
): Hono<E> {
  const router = new Hono<E>();
  router.onError(errorHandler);
  const allowedOrigins = new Set((options.allowedReturnOrigins ?? []).map((origin) => new URL(origin).origin));

  async function accountOf(c: Context<E>): Promise<string> {
    const account = await options.getAccount(c);
    if (account === null || account === undefined || account === "") {
      throw new ProblemError("billing-account-required", { detail: "Sign in to use billing" });
    }
    return String(account);
  }

  /** A return URL from the client or the options, resolved against the request and checked. */
  function returnUrl(c: Context<E>, given: unknown, fallback: string | undefined, field: string): string {
    const origin = new URL(c.req.url).origin;
    if (given !== undefined && typeof given !== "string")
      throw new ProblemError("validation-error", { detail: `${field} must be a URL string`, extensions: { field } });
    let url: URL;
    try {
      url = new URL(given ?? fallback ?? "/", origin);
    } catch {
      throw new ProblemError("validation-error", { detail: `${field} is not a URL`, extensions: { field } });
    }
    if (given !== undefined && url.origin !== origin && !allowedOrigins.has(url.origin)) {
      throw new ProblemError("validation-error", {
        detail: `${field} must be on this site's origin`,
        extensions: { field },
      });
    }
    if (url.protocol !== "https:" && url.protocol !== "http:")
      throw new ProblemError("validation-error", { detail: `${field} must be http(s)`, extensions: { field } });
    return url.href;
  }

  router.use("*", async (c, next) => {
    await next();
    // Balances, subscriptions and checkout links belong to one account: never cached.
    c.res.headers.set("cache-control", "no-store");
  });

  router.get("/plans", (c) =>
    c.json({ plans: billing.plans.map((plan) => ({ key: plan.key, type: plan.type, credits: plan.credits ?? 0 })) }),
  );

  router.post("/checkout", async (c) => {
    const account = await accountOf(c);
    const body = await readJsonObject(c);
    if (typeof body.plan !== "string")
      throw new ProblemError("validation-error", { detail: "plan must be a plan key", extensions: { field: "plan" } });
    if (body.quantity !== undefined && (!Number.isSafeInteger(body.quantity) || Number(body.quantity) < 1)) {
      throw new ProblemError("validation-error", {
        detail: "quantity must be a positive integer",
        extensions: { field: "quantity" },
      });
    }
    const email = (await options.getCustomerEmail?.(c)) ?? undefined;
    const session = await billing.createCheckout({
      plan: body.plan,
      account,
      email,
      successUrl: returnUrl(c, body.successUrl, options.successUrl, "successUrl"),
      cancelUrl: returnUrl(c, body.cancelUrl, options.cancelUrl, "cancelUrl"),
      quantity: typeof body.quantity === "number" ? body.quantity : undefined,
    });
    return c.json(session, 201);
  });

  router.post("/portal", async (c) => {
    const account = await accountOf(c);
    const body = c.req.header("content-length") === "0" || !c.req.header("content-type") ? {} : await readJsonObject(c);
    return c.json(
      await billing.createPortalSession(account, returnUrl(c, body.returnUrl, options.returnUrl, "returnUrl")),
    );
  });

  router.get("/subscription", async (c) => {
    const account = await accountOf(c);
    const [subscription, link] = await Promise.all([billing.getSubscription(account), billing.account(account)]);
    return c.json({ subscription, plan: subscription ? (link?.plan ?? null) : null });
  });

  router.post("/subscription/cancel", async (c) => {
    const account = await accountOf(c);
    const body = c.req.header("content-type") ? await readJsonObject(c) : {};
    if (body.atPeriodEnd !== undefined && typeof body.atPeriodEnd !== "boolean") {
      throw new ProblemError("validation-error", {
        detail: "atPeriodEnd must be a boolean",
        extensions: { field: "atPeriodEnd" },
      });
    }
    return c.json({
      subscription: await billing.cancelSubscription(account, { atPeriodEnd: body.atPeriodEnd ?? true }),
    });
  });

  router.post("/subscription/resume", async (c) => {
    const account = await accountOf(c);
    return c.json({ subscription: await billing.resumeSubscription(account) });
  });

  router.post("/subscription/change", async (c) => {
    const account = await accountOf(c);
    const body = await readJsonObject(c);
    if (typeof body.plan !== "string")
      throw new ProblemError("validation-error", { detail: "plan must be a plan key", extensions: { field: "plan" } });
    return c.json({ subscription: await billing.changePlan(account, body.plan) });
  });

  router.get("/credits", async (c) => {
    const account = await accountOf(c);
    const limitText = c.req.query("limit");
    const limit = limitText === undefined ? 20 : Number(limitText);
    if (!Number.isSafeInteger(limit) || limit < 0 || limit > HISTORY_LIMIT_MAX) {
      throw new ProblemError("invalid-parameter", {
        detail: `limit must be an integer from 0 to ${HISTORY_LIMIT_MAX}`,
        extensions: { parameter: "limit" },
      });
    }
    const [balance, history] = await Promise.all([
      billing.credits.balance(account),
      billing.credits.history(account, { limit }),
    ]);
    return c.json({ balance, history });
  });

  router.post("/webhook", async (c) => {
    const rawBody = await readBoundedText(c.req.raw, options.maxWebhookBytes ?? DEFAULT_MAX_WEBHOOK_BYTES);
    const outcome = await billing.handleWebhook(rawBody, c.req.raw.headers);
    return c.json({ received: true, status: outcome.status, type: outcome.event.type });
  });

  return router;
}
