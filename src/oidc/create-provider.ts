/**
 * `createOIDCProvider`: an OpenID Connect provider mounted as a Hono router, plus the middleware
 * that accepts its access tokens on API routes. Keys are imported (or generated) in the
 * background; the first request waits for them.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { CovaraEnv } from "../resource";
import { createMemoryKV } from "../kv";
import { createAccessTokenMiddleware, type OIDCEnv } from "./access-token-middleware";
import { handleAuthorize } from "./authorize-endpoint";
import { clientAuthMethod } from "./client-auth";
import { resolveSettings, type ProviderContext } from "./context";
import { discoveryDocument } from "./discovery";
import { createGrantStore } from "./grant-store";
import { OAuthError, oauthErrorResponse } from "./oauth-error";
import { handleIntrospect, handleRevoke } from "./revocation-endpoints";
import { createProviderKeys } from "./signing-keys";
import { handleToken } from "./token-endpoint";
import type { OIDCClient, OIDCProviderOptions } from "./types";
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

function indexClients(clients: readonly OIDCClient[]): Map<string, OIDCClient> {
  const byId = new Map<string, OIDCClient>();
  for (const client of clients) {
    if (byId.has(client.id)) throw configError(`client id "${client.id}" is registered twice`);
    if (client.redirectUris.length === 0 && (client.grantTypes ?? ["authorization_code"]).includes("authorization_code")) {
      throw configError(`client "${client.id}" needs at least one redirect URI`);
    }
    for (const uri of client.redirectUris) {
      if (!URL.canParse(uri)) throw configError(`client "${client.id}" has an invalid redirect URI ${JSON.stringify(uri)}`);
    }
    if (clientAuthMethod(client) !== "none" && client.secret === undefined) throw configError(`client "${client.id}" authenticates with a secret but has none`);
    byId.set(client.id, client);
  }
  return byId;
}

/** Answers OAuth errors in RFC 6749 JSON; anything else goes on to the app's error handler. */
function oauthRoute(ready: Promise<ProviderContext>, handle: (c: Context<CovaraEnv>, ctx: ProviderContext) => Promise<Response>) {
  return async (c: Context<CovaraEnv>) => {
    try {
      return await handle(c, await ready);
    } catch (error) {
      if (error instanceof OAuthError) return oauthErrorResponse(error);
      throw error;
    }
  };
}

/** Creates the provider: discovery, JWKS, /authorize, /token, /userinfo, /revoke, /introspect, and the API middleware. */
export function createOIDCProvider(options: OIDCProviderOptions): OIDCProvider {
  if (!URL.canParse(options.issuer)) throw configError("issuer must be an absolute URL");
  if (typeof options.getUser !== "function") throw configError("getUser is required");
  const settings = resolveSettings(options);
  const clients = indexClients(options.clients);
  const kv = options.kv ?? createMemoryKV();
  const grantTtl = Math.max(settings.refreshTokenTtl, settings.accessTokenTtl, settings.codeTtl);
  const grants = createGrantStore(kv, options.kvPrefix ?? "oidc:", grantTtl);
  const getUser = async (id: string) => (await options.getUser(id)) ?? null;

  const contextPromise: Promise<ProviderContext> = createProviderKeys(options.keys, Math.max(settings.accessTokenTtl, settings.idTokenTtl)).then(
    (keys) => ({ ...settings, clients, keys, grants, kv, getUser }),
  );
  // Keeps a misconfigured key from surfacing as an unhandled rejection before anyone awaits it.
  contextPromise.catch(() => {});

  const router = new Hono<CovaraEnv>();
  router.get(
    "/.well-known/openid-configuration",
    oauthRoute(contextPromise, async (c, ctx) => c.json(discoveryDocument(ctx), 200, { "cache-control": "public, max-age=300" })),
  );
  router.get("/jwks", oauthRoute(contextPromise, async (c, ctx) => c.json(await ctx.keys.jwks(), 200, { "cache-control": "public, max-age=300" })));
  router.get("/authorize", oauthRoute(contextPromise, handleAuthorize));
  router.post("/authorize", oauthRoute(contextPromise, handleAuthorize));
  router.post("/token", oauthRoute(contextPromise, handleToken));
  router.get("/userinfo", oauthRoute(contextPromise, handleUserinfo));
  router.post("/userinfo", oauthRoute(contextPromise, handleUserinfo));
  router.post("/revoke", oauthRoute(contextPromise, handleRevoke));
  router.post("/introspect", oauthRoute(contextPromise, handleIntrospect));

  return {
    router,
    middleware: createAccessTokenMiddleware(contextPromise),
    ready: contextPromise.then(() => undefined),
    rotateKeys: async () => (await contextPromise).keys.rotate(),
  };
}
