/** The problem types of billing: checkout, subscriptions, credits and provider webhooks. */
import { defineProblemTypes } from "../kernel/errors";

export const BILLING_PROBLEM_TYPES = defineProblemTypes({
  "invalid-credit-amount": { status: 400, title: "Invalid credit amount" },
  "insufficient-credits": { status: 402, title: "Not enough credits" },
  "unknown-plan": { status: 400, title: "Unknown plan" },
  "billing-account-required": { status: 401, title: "A billing account is required" },
  "no-subscription": { status: 404, title: "No subscription" },
  "no-billing-customer": { status: 404, title: "No billing customer yet" },
  "billing-provider-error": { status: 502, title: "The billing provider failed" },
  "billing-unsupported": { status: 501, title: "Not supported by this billing provider" },
  "webhook-signature-missing": { status: 401, title: "Webhook signature missing" },
  "webhook-signature-invalid": { status: 401, title: "Webhook signature invalid" },
  "webhook-timestamp-out-of-range": { status: 400, title: "Webhook timestamp outside the tolerance" },
  "webhook-in-progress": { status: 409, title: "Webhook event already being handled" },
  "webhook-malformed": { status: 400, title: "Malformed webhook payload" },
});

type BillingProblemTypes = typeof BILLING_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends BillingProblemTypes {}
}
