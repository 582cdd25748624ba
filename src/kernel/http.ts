/** The request-level types every layer shares: the Hono environment and the user identity in it. */
import type { TraceContext } from "./trace-context";

/** The authenticated principal. Auth middleware puts one in `c.get("user")`. */
export interface CovaraUser {
  id: string | number;
  [key: string]: unknown;
}

/** Hono environment of every covara app and resource router. */
export interface CovaraEnv {
  Variables: {
    user?: CovaraUser | null;
    /** The request's W3C trace, set by the observability middleware. */
    trace?: TraceContext;
  };
}
