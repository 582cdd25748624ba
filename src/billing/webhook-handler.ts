/**
 * One webhook delivery, start to end: verify the signature (and timestamp), parse, normalise,
 * claim the event id on the KV so a retry or a second process never handles it twice, grant the
 * plan's credits on `payment.succeeded`, remember the account's provider ids, run the app's hooks.
 * A failure after the claim releases it so the provider's retry runs again; the grant has a claim
 * of its own, so that retry never grants twice.
 */
import { ProblemError } from "../kernel/errors";
import type { KV } from "../kernel/kv";
import type { AccountLinks } from "./account-links";
import type { CreditsLedger } from "./credits";
import type { BillingAdapter, BillingEvent, BillingEventType, BillingPlan } from "./types";
import "./problems";

/** A hook the app runs for an event. */
export type BillingEventHandler = (event: BillingEvent) => void | Promise<void>;

/** How a verified delivery ended. */
export interface WebhookOutcome {
  status: "processed" | "duplicate" | "ignored";
  event: BillingEvent;
  /** Credits granted by this delivery (0 when none). */
  granted: number;
}

export interface WebhookHandlerOptions {
  adapter: BillingAdapter;
  secret: string;
  kv: KV;
  keyPrefix: string;
  plans: ReadonlyMap<string, BillingPlan>;
  credits: CreditsLedger;
  links: AccountLinks;
  toleranceSeconds: number;
  dedupeTtlMs: number;
  on: Partial<Record<Exclude<BillingEventType, "unknown">, BillingEventHandler>>;
  onEvent: BillingEventHandler | undefined;
  now: () => number;
}

/** The credits a payment event earns, or 0 when it names no account, no plan, or the other kind of purchase. */
function creditsFor(
  event: BillingEvent,
  plans: ReadonlyMap<string, BillingPlan>,
): { account: string; amount: number } | null {
  if (event.type !== "payment.succeeded" || event.account === null || event.plan === null) return null;
  const plan = plans.get(event.plan);
  if (!plan?.credits) return null;
  const kind = plan.type === "one-time" ? "one-time" : "subscription";
  if (event.purchase !== null && event.purchase !== kind) return null;
  return { account: event.account, amount: plan.credits };
}

/** Builds the delivery handler `billing.handleWebhook` runs. */
export function createWebhookHandler(
  options: WebhookHandlerOptions,
): (rawBody: string, headers: Headers) => Promise<WebhookOutcome> {
  const { adapter, kv } = options;
  const eventKey = (id: string) => `${options.keyPrefix}webhook:${adapter.provider}:${id}`;
  const grantKey = (id: string) => `${options.keyPrefix}granted:${adapter.provider}:${id}`;

  async function process(event: BillingEvent): Promise<number> {
    let granted = 0;
    const credits = creditsFor(event, options.plans);
    if (
      credits !== null &&
      (await kv.set(grantKey(event.id), "1", { ifNotExists: true, ttlMs: options.dedupeTtlMs }))
    ) {
      await options.credits.grant(credits.account, credits.amount, {
        reason: `plan:${event.plan}`,
        reference: `${event.provider}:${event.id}`,
      });
      granted = credits.amount;
    }
    await options.links.learnFrom(event);
    if (event.type !== "unknown") await options.on[event.type]?.(event);
    await options.onEvent?.(event);
    return granted;
  }

  return async (rawBody, headers) => {
    const { deliveryId } = await adapter.verifyWebhook({
      rawBody,
      headers,
      secret: options.secret,
      now: Math.floor(options.now() / 1000),
      toleranceSeconds: options.toleranceSeconds,
    });
    let payload: unknown;
    try {
      payload = JSON.parse(rawBody);
    } catch {
      throw new ProblemError("webhook-malformed", {
        detail: `${adapter.provider}: the webhook body is not JSON`,
        extensions: { provider: adapter.provider },
      });
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      throw new ProblemError("webhook-malformed", {
        detail: `${adapter.provider}: the webhook body is not a JSON object`,
        extensions: { provider: adapter.provider },
      });
    }
    const event = adapter.normalizeEvent(payload, deliveryId);
    if (event.id === "") {
      throw new ProblemError("webhook-malformed", {
        detail: `${adapter.provider}: the webhook names no event id`,
        extensions: { provider: adapter.provider },
      });
    }
    // Acknowledged so the provider stops sending it; nothing else happens.
    if (event.type === "unknown" && options.onEvent === undefined) return { status: "ignored", event, granted: 0 };

    if (!(await kv.set(eventKey(event.id), "processing", { ifNotExists: true, ttlMs: options.dedupeTtlMs }))) {
      // Handled already: acknowledged, so the provider stops resending. Being handled by another
      // delivery right now: refused, so the provider retries and finds it done (or released).
      if ((await kv.get(eventKey(event.id))) === "processing") {
        throw new ProblemError("webhook-in-progress", {
          detail: `${adapter.provider}: event ${event.id} is being handled by another delivery`,
          extensions: { provider: adapter.provider, eventId: event.id },
        });
      }
      return { status: "duplicate", event, granted: 0 };
    }
    try {
      const granted = await process(event);
      await kv.set(eventKey(event.id), "done", { ttlMs: options.dedupeTtlMs });
      return { status: event.type === "unknown" ? "ignored" : "processed", event, granted };
    } catch (error) {
      // Released, so the provider's retry handles the event again (the grant's own claim holds).
      await kv.delete(eventKey(event.id)).catch(() => {});
      throw error;
    }
  };
}
