/**
 * GET/POST /authorize: the authorization code flow. Client and redirect URI are checked first and
 * answered with a 400 JSON error, never a redirect, so an attacker cannot bounce a user to a URI
 * the client did not register. Every later error goes back to the registered redirect URI.
 */
import type { Context } from "hono";
import { ProblemError } from "../kernel/errors";
import type { CovaraEnv } from "../resource";
import { clientAuthMethod } from "./client-auth";
import { clientGrantTypes, SUPPORTED_SCOPES, type ProviderContext } from "./context";
import { OAuthError, type OAuthErrorCode } from "./oauth-error";
import { isS256Challenge } from "./pkce";
import { findRedirectUri } from "./redirect-uri";

const SINGLE_VALUED = ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method", "prompt"];

async function readParams(c: Context): Promise<URLSearchParams> {
  if (c.req.method === "POST") {
    const type = c.req.header("content-type") ?? "";
    if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      throw new OAuthError("invalid_request", "POST /authorize takes an application/x-www-form-urlencoded body");
    }
    return new URLSearchParams(await c.req.text());
  }
  return new URL(c.req.url).searchParams;
}

function redirectWith(redirectUri: string, params: Record<string, string | undefined>): Response {
  const target = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) target.searchParams.set(name, value);
  return new Response(null, { status: 302, headers: { location: target.toString(), "cache-control": "no-store" } });
}

/** Handles one authorization request. */
export async function handleAuthorize(c: Context<CovaraEnv>, ctx: ProviderContext): Promise<Response> {
  const params = await readParams(c);
  for (const name of SINGLE_VALUED) {
    if (params.getAll(name).length > 1) throw new OAuthError("invalid_request", `The ${name} parameter is repeated`);
  }
  const clientId = params.get("client_id");
  const client = clientId === null ? undefined : ctx.clients.get(clientId);
  if (!client) throw new OAuthError("invalid_request", "Unknown or missing client_id");
  const requestedUri = params.get("redirect_uri");
  if (requestedUri === null) throw new OAuthError("invalid_request", "redirect_uri is required");
  const redirectUri = findRedirectUri(client.redirectUris, requestedUri);
  if (redirectUri === undefined) throw new OAuthError("invalid_request", "redirect_uri is not registered for this client");

  // From here on the redirect URI is trusted: errors travel back to the client through it.
  const state = params.get("state") ?? undefined;
  const fail = (error: OAuthErrorCode, description: string) =>
    redirectWith(redirectUri, { error, error_description: description, state, iss: ctx.issuer });

  if (params.get("response_type") !== "code") return fail("unsupported_response_type", "Only response_type=code is supported");
  if (!clientGrantTypes(client).includes("authorization_code")) return fail("unauthorized_client", "This client may not use the authorization code flow");
  const scopes = (params.get("scope") ?? "").split(" ").filter(Boolean);
  const allowed: readonly string[] = client.scopes ?? SUPPORTED_SCOPES;
  if (scopes.some((scope) => !allowed.includes(scope))) return fail("invalid_scope", "A requested scope is not available to this client");

  const challenge = params.get("code_challenge") ?? undefined;
  const method = params.get("code_challenge_method") ?? undefined;
  const pkceRequired = ctx.pkceRequiredForAll || clientAuthMethod(client) === "none";
  if (challenge === undefined && method !== undefined) return fail("invalid_request", "code_challenge_method without code_challenge");
  if (challenge !== undefined) {
    // A missing method means `plain` (RFC 7636 §4.3), which is refused like an explicit one.
    if (method !== "S256") return fail("invalid_request", "Only code_challenge_method=S256 is supported");
    if (!isS256Challenge(challenge)) return fail("invalid_request", "code_challenge is not a valid S256 challenge");
  } else if (pkceRequired) {
    return fail("invalid_request", "PKCE (code_challenge with S256) is required for this client");
  }

  const user = c.get("user");
  if (!user) {
    if (params.get("prompt") === "none") return fail("login_required", "The user is not signed in");
    if (ctx.loginUrl !== undefined) {
      const login = new URL(ctx.loginUrl, c.req.url);
      const returnTo = new URL(c.req.url);
      returnTo.search = params.toString();
      login.searchParams.set("return_to", returnTo.toString());
      return new Response(null, { status: 302, headers: { location: login.toString(), "cache-control": "no-store" } });
    }
    throw new ProblemError("unauthorized", { detail: "Sign in before authorizing this application" });
  }

  const code = await ctx.grants.createCode(
    {
      clientId: client.id,
      redirectUri,
      sub: String(user.id),
      scope: scopes.join(" "),
      nonce: params.get("nonce") ?? undefined,
      codeChallenge: challenge,
      authTime: Math.floor(Date.now() / 1000),
      grantId: ctx.grants.newGrantId(),
    },
    ctx.codeTtl,
  );
  return redirectWith(redirectUri, { code, state, iss: ctx.issuer });
}
