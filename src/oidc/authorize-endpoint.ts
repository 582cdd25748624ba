/**
 * GET/POST /authorize: the authorization code flow. Client and redirect URI are checked first and
 * answered with a 400 JSON error, never a redirect, so an attacker cannot bounce a user to a URI
 * the client did not register. Every later error goes back to the registered redirect URI.
 * A signed-in user goes on to consent or the code; anyone else to the login page (or the app's
 * `loginUrl`).
 */
import type { Context } from "hono";
import { ProblemError } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import { clientAuthMethod } from "./client-auth";
import { readForm } from "./form";
import { clientGrantTypes, hasOwnLogin, SUPPORTED_SCOPES, type ProviderContext } from "./context";
import { completeAuthorization, failToClient, interactionUrl, redirectTo, startInteraction } from "./interactions";
import type { AuthorizationRequest } from "./types";
import { OAuthError, type OAuthErrorCode } from "./oauth-error";
import { isS256Challenge } from "./pkce";
import { findRedirectUri } from "./redirect-uri";

const SINGLE_VALUED = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
  "prompt",
  "login_hint",
  "max_age",
];
const PROMPTS = new Set(["none", "login", "consent"]);

async function readParams(c: Context): Promise<URLSearchParams> {
  if (c.req.method === "POST") return readForm(c);
  return new URL(c.req.url).searchParams;
}

/** Handles one authorization request. */
export async function handleAuthorize(c: Context<CovaraEnv>, ctx: ProviderContext): Promise<Response> {
  const params = await readParams(c);
  for (const name of SINGLE_VALUED) {
    if (params.getAll(name).length > 1) throw new OAuthError("invalid_request", `The ${name} parameter is repeated`);
  }
  const clientId = params.get("client_id");
  const client = clientId === null ? undefined : await ctx.clients.get(clientId);
  if (!client) throw new OAuthError("invalid_request", "Unknown or missing client_id");
  const requestedUri = params.get("redirect_uri");
  if (requestedUri === null) throw new OAuthError("invalid_request", "redirect_uri is required");
  const redirectUri = findRedirectUri(client.redirectUris, requestedUri);
  if (redirectUri === undefined)
    throw new OAuthError("invalid_request", "redirect_uri is not registered for this client");

  // From here on the redirect URI is trusted: errors travel back to the client through it.
  const scopes = (params.get("scope") ?? "").split(" ").filter(Boolean);
  const prompt = (params.get("prompt") ?? "").split(" ").filter(Boolean);
  const request: AuthorizationRequest = {
    clientId: client.id,
    redirectUri,
    scope: scopes.join(" "),
    state: params.get("state") ?? undefined,
    nonce: params.get("nonce") ?? undefined,
    codeChallenge: params.get("code_challenge") ?? undefined,
    prompt,
    loginHint: params.get("login_hint")?.slice(0, 256) ?? undefined,
  };
  const fail = (error: OAuthErrorCode, description: string) => failToClient(c, ctx, request, error, description);

  if (params.get("response_type") !== "code")
    return fail("unsupported_response_type", "Only response_type=code is supported");
  if (!clientGrantTypes(client).includes("authorization_code"))
    return fail("unauthorized_client", "This client may not use the authorization code flow");
  const allowed: readonly string[] = client.scopes ?? SUPPORTED_SCOPES;
  if (scopes.some((scope) => !allowed.includes(scope)))
    return fail("invalid_scope", "A requested scope is not available to this client");
  if (prompt.some((value) => !PROMPTS.has(value)) || (prompt.includes("none") && prompt.length > 1)) {
    return fail("invalid_request", "prompt must be none, or any of login and consent");
  }

  const method = params.get("code_challenge_method") ?? undefined;
  const challenge = request.codeChallenge;
  const pkceRequired = ctx.pkceRequiredForAll || clientAuthMethod(client) === "none";
  if (challenge === undefined && method !== undefined)
    return fail("invalid_request", "code_challenge_method without code_challenge");
  if (challenge !== undefined) {
    // A missing method means `plain` (RFC 7636 §4.3), which is refused like an explicit one.
    if (method !== "S256") return fail("invalid_request", "Only code_challenge_method=S256 is supported");
    if (!isS256Challenge(challenge)) return fail("invalid_request", "code_challenge is not a valid S256 challenge");
  } else if (pkceRequired) {
    return fail("invalid_request", "PKCE (code_challenge with S256) is required for this client");
  }

  const maxAge = params.get("max_age");
  if (maxAge !== null && !/^\d{1,9}$/.test(maxAge))
    return fail("invalid_request", "max_age must be a non-negative integer");
  const user = await signedInUser(c, ctx, maxAge === null ? undefined : Number(maxAge));
  // prompt=login asks for a fresh sign-in, which only the provider's own login page can give.
  if (user && (!prompt.includes("login") || !hasOwnLogin(ctx))) return completeAuthorization(c, ctx, request, user);

  if (prompt.includes("none")) return fail("login_required", "The user is not signed in");
  if (ctx.loginUrl !== undefined) {
    const login = new URL(ctx.loginUrl, c.req.url);
    const returnTo = new URL(c.req.url);
    returnTo.search = params.toString();
    login.searchParams.set("return_to", returnTo.toString());
    return redirectTo(c, login.toString());
  }
  if (hasOwnLogin(ctx)) {
    const interaction = await startInteraction(c, ctx, request);
    return redirectTo(c, interactionUrl(ctx, interaction, "login"));
  }
  throw new ProblemError("unauthorized", { detail: "Sign in before authorizing this application" });
}

/**
 * Who is signed in: the provider's own session, else the app's user (`c.get("user")`, set by the
 * app's sign-in in front of the router). `max_age` discards a provider session that is too old.
 */
async function signedInUser(
  c: Context<CovaraEnv>,
  ctx: ProviderContext,
  maxAge: number | undefined,
): Promise<{ sub: string; authTime: number } | null> {
  const session = await ctx.sessions.read(c);
  const now = Math.floor(Date.now() / 1000);
  if (session && (maxAge === undefined || now - session.authTime <= maxAge))
    return { sub: session.sub, authTime: session.authTime };
  const appUser = c.get("user");
  return appUser ? { sub: String(appUser.id), authTime: now } : null;
}
