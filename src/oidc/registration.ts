/**
 * Dynamic client registration (RFC 7591) at POST /register: opt-in. Without
 * `registration.enabled` the endpoint answers 404 as if it did not exist. A confidential client's
 * secret is returned once and kept only as a scrypt hash; registered clients always ask the user
 * for consent.
 */
import type { Context, Hono } from "hono";
import { hashPassword } from "../auth";
import { ProblemError } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import { readJsonObject } from "../kernel/body";
import { readBearer } from "./access-token";
import type { ProviderContext } from "./context";
import { clientAssertionKeys } from "./client-assertion";
import { constantTimeEqual, randomHandle } from "./encoding";
import { OAuthError } from "./oauth-error";
import { validateRegistrationMetadata, type RegisteredMetadata } from "./registration-metadata";
import { withRateLimit } from "./rate-limit";
import type { RouteFactory } from "./routes";
import type { OIDCClient, RegistrationOptions } from "./types";

/** Registration requests are a few hundred bytes; this leaves room for many redirect URIs. */
export const MAX_REGISTRATION_BYTES = 16 * 1024;

function configError(message: string): TypeError {
  return new TypeError(`covara/oidc: ${message}`);
}

function assertOptions(options: RegistrationOptions): void {
  const token = options.initialAccessToken;
  if (token !== undefined && (typeof token !== "string" || token.length < 16)) {
    throw configError("registration.initialAccessToken must be a string of at least 16 characters");
  }
  const ttl = options.clientTtlSeconds;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0))
    throw configError("registration.clientTtlSeconds must be a positive integer");
}

function notFound(): ProblemError {
  return new ProblemError("not-found", { detail: "No route for POST /register" });
}

function requireInitialAccessToken(c: Context, expected: string): void {
  const given = readBearer(c.req.header("authorization"));
  if (given === undefined || !constantTimeEqual(given, expected)) {
    throw new OAuthError("invalid_token", "A valid initial access token is required to register a client");
  }
}

/** The body as a JSON object; malformed JSON is invalid metadata to an OAuth client. */
async function readMetadata(c: Context): Promise<Record<string, unknown>> {
  try {
    return await readJsonObject(c, MAX_REGISTRATION_BYTES);
  } catch (error) {
    // Size and media-type refusals keep their own status; a body that is not a JSON object is bad metadata.
    if (
      error instanceof ProblemError &&
      (error.problemType === "invalid-json" || error.problemType === "validation-error")
    ) {
      throw new OAuthError("invalid_client_metadata", error.detail ?? "The body must be a JSON object");
    }
    throw error;
  }
}

function toClient(id: string, metadata: RegisteredMetadata, storedSecret: string | undefined): OIDCClient {
  return {
    id,
    ...(metadata.client_name === undefined ? {} : { name: metadata.client_name }),
    ...(storedSecret === undefined ? {} : { secret: storedSecret }),
    redirectUris: metadata.redirect_uris,
    grantTypes: metadata.grant_types,
    tokenEndpointAuthMethod: metadata.token_endpoint_auth_method,
    ...(metadata.scope === undefined ? {} : { scopes: metadata.scope.split(" ") }),
    ...(metadata.post_logout_redirect_uris === undefined
      ? {}
      : { postLogoutRedirectUris: metadata.post_logout_redirect_uris }),
    ...(metadata.jwks === undefined ? {} : { jwks: metadata.jwks }),
    // Anyone may have registered it, so the user always decides what it gets.
    skipConsent: false,
  };
}

async function register(c: Context, ctx: ProviderContext, options: RegistrationOptions): Promise<Response> {
  if (options.initialAccessToken !== undefined) requireInitialAccessToken(c, options.initialAccessToken);
  const metadata = validateRegistrationMetadata(await readMetadata(c));
  const clientId = randomHandle(18);
  const usesSecret =
    metadata.token_endpoint_auth_method === "client_secret_basic" ||
    metadata.token_endpoint_auth_method === "client_secret_post";
  const secret = usesSecret ? randomHandle(32) : undefined;
  const client = toClient(clientId, metadata, secret === undefined ? undefined : await hashPassword(secret));
  // Keys that cannot verify anything are refused now, not at the client's first token request.
  if (
    client.jwks &&
    !(await clientAssertionKeys(client).then(
      () => true,
      () => false,
    ))
  ) {
    throw new OAuthError("invalid_client_metadata", "jwks holds a key that is not a usable asymmetric public key");
  }
  await ctx.clients.register(client, options.clientTtlSeconds);

  const issuedAt = Math.floor(Date.now() / 1000);
  const body = {
    client_id: clientId,
    ...(secret === undefined
      ? {}
      : {
          client_secret: secret,
          client_secret_expires_at: options.clientTtlSeconds === undefined ? 0 : issuedAt + options.clientTtlSeconds,
        }),
    client_id_issued_at: issuedAt,
    ...metadata,
  };
  return new Response(JSON.stringify(body), {
    status: 201,
    headers: { "content-type": "application/json", "cache-control": "no-store", pragma: "no-cache" },
  });
}

/** Mounts POST /register (404 unless `registration.enabled`). */
export function mountRegistration(
  router: Hono<CovaraEnv>,
  route: RouteFactory,
  options: RegistrationOptions | undefined,
): void {
  if (options?.enabled !== true) {
    // A problem document rather than the app's bare 404, like every other unknown resource.
    router.post("/register", () => {
      throw notFound();
    });
    return;
  }
  assertOptions(options);
  router.post("/register", route(withRateLimit("register", (c, ctx) => register(c, ctx, options))));
}
