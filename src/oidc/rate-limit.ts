/**
 * Per-client/IP rate limits on /token, /jwks and /introspect (`security.rateLimiting`). Counters
 * live in the provider's KV, so every instance sharing it shares the limits. Nothing is counted
 * for an endpoint without a configured limit.
 */
import type { Context } from "hono";
import { createThrottle, type Throttle } from "../kernel/throttle";
import { ProblemError } from "../kernel/errors";
import { readBoundedText } from "../kernel/body";
import { assertedClientId } from "./client-assertion";
import { parseBasicCredentials } from "./client-auth";
import type { ProviderContext } from "./context";
import { isFormRequest, MAX_FORM_BYTES } from "./form";
import type { ProviderHandler } from "./routes";
import type { EndpointLimit, RateLimitingOptions } from "./types";

export type RateLimitedEndpoint = keyof RateLimitingOptions;

/** Stands for every caller that names no client. */
export const ANONYMOUS_CLIENT = "anon";

/** Throws a TypeError for a limit that is not a positive integer max with a positive window. */
export function assertRateLimiting(options: RateLimitingOptions | undefined): void {
  for (const [endpoint, limit] of Object.entries(options ?? {})) {
    if (limit === undefined || limit === false) continue;
    const sound =
      typeof limit === "object" &&
      Number.isInteger(limit.max) &&
      limit.max > 0 &&
      typeof limit.windowSeconds === "number" &&
      limit.windowSeconds > 0;
    if (!sound)
      throw new TypeError(
        `covara/oidc: security.rateLimiting.${endpoint} needs a positive integer max and a positive windowSeconds`,
      );
  }
}

// One throttle per provider context, so the limits are checked once rather than per request.
const throttles = new WeakMap<ProviderContext, Throttle>();

function throttleOf(ctx: ProviderContext): Throttle {
  let throttle = throttles.get(ctx);
  if (!throttle) {
    assertRateLimiting(ctx.rateLimiting);
    const limits: Record<string, EndpointLimit | false> = { default: false };
    for (const [endpoint, limit] of Object.entries(ctx.rateLimiting ?? {})) limits[endpoint] = limit ?? false;
    throttle = createThrottle({ kv: ctx.kv, prefix: `${ctx.kvPrefix}rate:`, limits });
    throttles.set(ctx, throttle);
  }
  return throttle;
}

/**
 * The client the request claims to be: from the Basic header, else the form's client_id. The form
 * is read from a clone, so the handler still gets the whole body. Nothing is authenticated here:
 * the count must happen before (and whatever the outcome of) authentication.
 */
async function claimedClientId(c: Context): Promise<string> {
  const authorization = c.req.header("authorization");
  if (authorization !== undefined && /^basic\s/i.test(authorization))
    return parseBasicCredentials(authorization)?.clientId || ANONYMOUS_CLIENT;
  if (!isFormRequest(c)) return ANONYMOUS_CLIENT;
  const form = new URLSearchParams(await readBoundedText(c.req.raw.clone(), MAX_FORM_BYTES));
  const assertion = form.get("client_assertion");
  return form.get("client_id") || (assertion === null ? undefined : assertedClientId(assertion)) || ANONYMOUS_CLIENT;
}

/** Adds the OAuth-style `error` member for OAuth clients that only look at that. */
function asOAuthFriendly(error: unknown): unknown {
  if (!(error instanceof ProblemError) || error.problemType !== "rate-limit-exceeded") return error;
  return new ProblemError("rate-limit-exceeded", {
    detail: error.detail,
    headers: { ...error.headers, "cache-control": "no-store" },
    extensions: { ...error.extensions, error: "rate_limited", error_description: error.detail },
  });
}

/** Wraps an endpoint's handler with its limit from `security.rateLimiting` (none configured: unchanged). */
export function withRateLimit(endpoint: RateLimitedEndpoint, handle: ProviderHandler): ProviderHandler {
  return async (c, ctx) => {
    const limit = ctx.rateLimiting?.[endpoint];
    if (limit === undefined || limit === false) return handle(c, ctx);
    const throttle = throttleOf(ctx);
    const ip = ctx.clientIp(c);
    try {
      // Per IP, and (where clients authenticate) per claimed client, so neither a client spread
      // over many addresses nor one address cycling client ids escapes the limit. The IP comes
      // first: an address over its limit cannot make new client counters appear in the KV.
      await throttle.hit(`${endpoint}:ip:${ip}`);
      if (endpoint === "token" || endpoint === "introspect")
        await throttle.hit(`${endpoint}:client:${await claimedClientId(c)}`);
    } catch (error) {
      throw asOAuthFriendly(error);
    }
    return handle(c, ctx);
  };
}
