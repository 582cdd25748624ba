/**
 * The Prometheus scrape endpoint (`/__covara/metrics`): opt-in, and never public. It needs a bearer
 * token or an authorization predicate; without either, creating it throws.
 */
import type { Context, Handler } from "hono";
import { contextOf, type ContextSource } from "../kernel/context";
import { ProblemError } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import { constantTimeEqual } from "../kernel/web-crypto";
import { getMetrics } from "./context";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus";

export interface MetricsEndpointOptions {
  /** A secret the scraper sends as `Authorization: Bearer <token>`. */
  token?: string;
  /** Decides who else may read (an admin session, an internal network): true allows. */
  authorize?: (c: Context<CovaraEnv>) => boolean | Promise<boolean>;
}

function bearerOf(c: Context): string | undefined {
  const header = c.req.header("authorization");
  const match = header === undefined ? null : /^bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** The handler serving `app`'s metrics in the Prometheus text format, to whoever passes the check. */
export function metricsEndpoint(options: MetricsEndpointOptions & { app?: ContextSource }): Handler<CovaraEnv> {
  const { token, authorize } = options;
  if ((token === undefined || token.length < 16) && authorize === undefined) {
    throw new TypeError(
      "covara: the metrics endpoint needs a token (at least 16 characters) or an authorize predicate",
    );
  }
  const context = contextOf(options.app);
  return async (c) => {
    const presented = bearerOf(c);
    const byToken = token !== undefined && presented !== undefined && constantTimeEqual(presented, token);
    if (!byToken && !(authorize !== undefined && (await authorize(c)) === true)) {
      // Someone who showed credentials (a token, a session) is known and refused; anyone else must authenticate.
      if (presented === undefined && !c.get("user"))
        throw new ProblemError("unauthorized", { headers: { "www-authenticate": 'Bearer realm="metrics"' } });
      throw new ProblemError("forbidden", { detail: "Not allowed to read metrics" });
    }
    return c.body(getMetrics(context).render(), 200, {
      "content-type": PROMETHEUS_CONTENT_TYPE,
      "cache-control": "no-store",
    });
  };
}
