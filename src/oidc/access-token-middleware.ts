/**
 * The middleware for API routes: validates this provider's bearer access tokens and sets
 * `c.get("user")` (and `c.get("oidcToken")`). A request without a bearer token passes through
 * untouched (routes decide whether they need a user); an invalid one is a 401 problem.
 */
import type { MiddlewareHandler } from "hono";
import { invalidToken } from "../auth/port";
import type { CovaraEnv } from "../kernel/http";
import { readBearer, validateAccessToken } from "./access-token";
import type { ProviderContext } from "./context";
import { providerContext } from "./routes";
import type { AccessTokenClaims } from "./types";

/** Hono environment of routes behind the provider's middleware. */
export interface OIDCEnv extends CovaraEnv {
  Variables: CovaraEnv["Variables"] & { oidcToken?: AccessTokenClaims };
}

/** Builds the access-token middleware. */
export function createAccessTokenMiddleware(ready: Promise<ProviderContext>): MiddlewareHandler<OIDCEnv> {
  return async (c, next) => {
    const token = readBearer(c.req.header("authorization"));
    if (token === undefined) return next();
    const ctx = await providerContext(ready);
    const claims = await validateAccessToken(ctx, token);
    if (!claims) throw invalidToken();
    if (claims.gty === "client_credentials") {
      // A client_credentials token acts for the client itself, not for a user.
      c.set("user", { id: claims.client_id, clientId: claims.client_id, scope: claims.scope, isClient: true });
    } else {
      const user = await ctx.getUser(claims.sub);
      if (!user) throw invalidToken();
      c.set("user", user);
    }
    c.set("oidcToken", claims);
    return next();
  };
}
