/** How provider routes are built: each handler gets the ready provider context; OAuth errors become RFC 6749 JSON. */
import type { Context, Handler } from "hono";
import type { CovaraEnv } from "../kernel/http";
import type { ProviderContext } from "./context";
import { ProblemError } from "../kernel/errors";
import { OAuthError, oauthErrorResponse } from "./oauth-error";

export type ProviderHandler = (c: Context<CovaraEnv>, ctx: ProviderContext) => Promise<Response>;

/**
 * The provider context once its keys are ready. Keys that failed to load (a misconfigured key)
 * make every endpoint a 503 rather than an unexplained 500; the cause goes to the error log.
 */
export async function providerContext(ready: Promise<ProviderContext>): Promise<ProviderContext> {
  try {
    return await ready;
  } catch (error) {
    throw new ProblemError("service-unavailable", {
      detail: "The identity provider's signing keys are not available",
      cause: error,
    });
  }
}

/** Turns a provider handler into a Hono handler. */
export type RouteFactory = (handle: ProviderHandler) => Handler<CovaraEnv>;

/**
 * The route factory over the context promise: waits for the keys, answers OAuth errors in RFC 6749
 * JSON. Handlers build plain Responses; cookies they set on `c` (sessions, interactions, state)
 * are carried over onto them here.
 */
export function routeFactory(ready: Promise<ProviderContext>): RouteFactory {
  return (handle) => async (c) => {
    try {
      const response = await handle(c, await providerContext(ready));
      return c.newResponse(response.body, response);
    } catch (error) {
      if (error instanceof OAuthError) return oauthErrorResponse(error);
      throw error;
    }
  };
}
