/** The request-level types every layer shares: the Hono environment and the user identity in it. */
import type { TraceContext } from "./trace-context";

/** The authenticated principal. Auth middleware puts one in `c.get("user")`. */
export interface CovaraUser {
  id: string | number;
  [key: string]: unknown;
}

/** The request variables of every covara app (`c.get(...)`); features add theirs by declaration merging. */
export interface CovaraVariables {
  user?: CovaraUser | null;
  /** The request's W3C trace, set by the observability middleware. */
  trace?: TraceContext;
}

/** Hono environment of every covara app and resource router. */
export interface CovaraEnv {
  Variables: CovaraVariables;
}
