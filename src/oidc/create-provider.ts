/**
 * `createOIDCProvider`: an OpenID Connect provider mounted as a Hono router, plus the middleware
 * that accepts its access tokens on API routes. Keys are imported (or generated) in the
 * background; the first request waits for them.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { createClientIpResolver } from "../auth";
import { createThrottle, DEFAULT_THROTTLE_LIMITS } from "../kernel/throttle";
import type { CovaraEnv } from "../kernel/http";
import { createAccessTokenMiddleware, type OIDCEnv } from "./access-token-middleware";
import { handleAuthorize } from "./authorize-endpoint";
import { createClientStore } from "./client-store";
import { createConsentStore } from "./consents";
import { resolveSettings, type ProviderContext } from "./context";
import { discoveryDocument } from "./discovery";
import { randomHandle } from "./encoding";
import { mountPassportRoutes } from "./federation/passport";
import { mountFederatedRoutes } from "./federation/routes";
import { createGrantStore } from "./grant-store";
import { mountInteractionRoutes } from "./interaction-routes";
import { createInteractionStore } from "./interactions";
import { mountLogout } from "./logout-endpoint";
import { createProviderSessionStore } from "./provider-session";
import { assertRateLimiting, withRateLimit } from "./rate-limit";
import { mountRegistration } from "./registration";
import { handleIntrospect, handleRevoke } from "./revocation-endpoints";
import { routeFactory } from "./routes";
import { createProviderKeys } from "./signing-keys";
import { resolveStoreKV } from "./stores";
import { handleToken } from "./token-endpoint";
import type { OIDCProviderOptions } from "./types";
import { handleUserinfo } from "./userinfo-endpoint";

export interface OIDCProvider {
  /** Mount it at the issuer's path: `app.route("/oidc", router)`. */
  router: Hono<CovaraEnv>;
  /** Validates this provider's bearer access tokens and sets `c.get("user")`. */
  middleware: MiddlewareHandler<OIDCEnv>;
  /** Resolves once the keys are ready; rejects on a misconfigured key. */
  ready: Promise<void>;
  /** Signs with fresh keys from now on; old public keys stay in the JWKS until their tokens expire. */
  rotateKeys(): Promise<void>;
}

function configError(message: string): TypeError {
  return new TypeError(`covara/oidc: ${message}`);
}

/** Creates the provider: discovery, JWKS, /authorize with login and consent, /token, /userinfo, /logout, /revoke, /introspect, and the API middleware. */
export function createOIDCProvider(options: OIDCProviderOptions): OIDCProvider {
  if (!URL.canParse(options.issuer)) throw configError("issuer must be an absolute URL");
  const loadUser = options.getUser ?? options.backends?.emailPassword?.findUserById;
  if (typeof loadUser !== "function") throw configError("getUser (or backends.emailPassword.findUserById) is required");
  if (options.backends?.emailPassword && typeof options.backends.emailPassword.validateUser !== "function") {
    throw configError("backends.emailPassword needs validateUser(email, password)");
  }
  assertRateLimiting(options.security?.rateLimiting);
  const settings = resolveSettings(options);
  const kv = resolveStoreKV(options);
  const prefix = options.kvPrefix ?? "oidc:";
  const clients = createClientStore(options.clients, kv, prefix);
  const grantTtl = Math.max(settings.refreshTokenTtl, settings.accessTokenTtl, settings.codeTtl);
  const issuerUrl = new URL(settings.issuer);
  const stores = {
    clients,
    kv,
    kvPrefix: prefix,
    grants: createGrantStore(kv, prefix, grantTtl),
    sessions: createProviderSessionStore(kv, prefix, {
      cookieName: options.session?.cookieName ?? "covara_oidc_session",
      ttlSeconds: settings.sessionTtl,
      cookiePath: issuerUrl.pathname || "/",
      secure: issuerUrl.protocol === "https:",
    }),
    interactions: createInteractionStore(kv, prefix, settings.interactionTtl),
    consents: createConsentStore(kv, prefix, settings.consentTtl),
    getUser: async (id: string) => (await loadUser(id)) ?? null,
    backends: options.backends ?? {},
    pages: options.pages ?? {},
    cookieSecret: options.cookieSecret ?? randomHandle(32),
    onLogout: options.onLogout,
    clientIp: createClientIpResolver(options.security?.clientIp),
    loginThrottle: createThrottle({
      kv,
      prefix: `${prefix}throttle:`,
      limits:
        options.security?.loginThrottle === false
          ? false
          : { login: options.security?.loginThrottle ?? DEFAULT_THROTTLE_LIMITS.login },
    }),
  };

  const contextPromise: Promise<ProviderContext> = createProviderKeys(
    options.keys,
    Math.max(settings.accessTokenTtl, settings.idTokenTtl),
  ).then((keys) => ({ ...settings, ...stores, keys }));
  // Keeps a misconfigured key from surfacing as an unhandled rejection before anyone awaits it.
  contextPromise.catch(() => {});

  const route = routeFactory(contextPromise);
  const router = new Hono<CovaraEnv>();
  const cacheable = { "cache-control": "public, max-age=300" };
  router.get(
    "/.well-known/openid-configuration",
    route(async (c, ctx) => c.json(discoveryDocument(ctx, options), 200, cacheable)),
  );
  router.get("/jwks", route(withRateLimit("jwks", async (c, ctx) => c.json(await ctx.keys.jwks(), 200, cacheable))));
  router.get("/authorize", route(handleAuthorize));
  router.post("/authorize", route(handleAuthorize));
  router.post("/token", route(withRateLimit("token", handleToken)));
  router.get("/userinfo", route(handleUserinfo));
  router.post("/userinfo", route(handleUserinfo));
  router.post("/revoke", route(handleRevoke));
  router.post("/introspect", route(withRateLimit("introspect", handleIntrospect)));
  mountInteractionRoutes(router, route);
  mountLogout(router, route);
  mountRegistration(router, route, options.registration);
  mountFederatedRoutes(router, route, stores.backends);
  mountPassportRoutes(router, route, stores.backends);

  return {
    router,
    middleware: createAccessTokenMiddleware(contextPromise),
    ready: contextPromise.then(() => undefined),
    rotateKeys: async () => (await contextPromise).keys.rotate(),
  };
}
