/**
 * Interactions: an /authorize request waiting for the user to sign in or consent. The request is
 * kept in the KV under a random id and bound to the browser that made it by a cookie, so a link
 * to someone else's interaction is useless. Every way of signing in (the login page, a federated
 * callback, a Passport callback) ends in `completeLogin`, and every authorization ends in
 * `completeAuthorization`: consent when it is needed, else the code redirect.
 */
import "./problems";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { ProblemError } from "../kernel/errors";
import type { KV } from "../kernel/kv";
import type { ProviderContext } from "./context";
import { constantTimeEqual, randomHandle } from "./encoding";
import { readRecord, writeRecord } from "./kv-records";
import type { OAuthErrorCode } from "./oauth-error";
import type { AuthorizationRequest, Interaction, InteractionStore, OIDCUser } from "./types";

export const INTERACTION_COOKIE = "covara_oidc_interaction";

export function createInteractionStore(kv: KV, prefix: string, ttlSeconds: number): InteractionStore {
  const key = (id: string) => `${prefix}interaction:${id}`;
  const store: InteractionStore = {
    async create(request) {
      const interaction: Interaction = {
        ...request,
        id: randomHandle(18),
        csrf: randomHandle(18),
        expiresAt: Date.now() + ttlSeconds * 1000,
      };
      await store.save(interaction);
      return interaction;
    },
    async get(id) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null;
      const interaction = await readRecord<Interaction>(kv, key(id));
      return interaction && interaction.expiresAt > Date.now() ? interaction : null;
    },
    async save(interaction) {
      await writeRecord(kv, key(interaction.id), interaction, interaction.expiresAt - Date.now());
    },
    async delete(id) {
      await kv.delete(key(id));
    },
  };
  return store;
}

function cookieOptions(ctx: ProviderContext) {
  return {
    path: new URL(ctx.issuer).pathname || "/",
    httpOnly: true,
    secure: ctx.issuer.startsWith("https:"),
    sameSite: "Lax" as const,
  };
}

/** Creates an interaction for `request` and binds it to this browser. */
export async function startInteraction(
  c: Context,
  ctx: ProviderContext,
  request: AuthorizationRequest,
): Promise<Interaction> {
  const interaction = await ctx.interactions.create(request);
  setCookie(c, INTERACTION_COOKIE, interaction.id, {
    ...cookieOptions(ctx),
    maxAge: Math.ceil((interaction.expiresAt - Date.now()) / 1000),
  });
  return interaction;
}

/** The interaction `id`, when it exists and belongs to this browser. */
export async function boundInteraction(
  c: Context,
  ctx: ProviderContext,
  id: string | undefined,
): Promise<Interaction | null> {
  const cookie = getCookie(c, INTERACTION_COOKIE);
  if (id === undefined || cookie === undefined || !constantTimeEqual(cookie, id)) return null;
  return ctx.interactions.get(id);
}

/** The problem for an interaction that is unknown, expired or another browser's. */
export function interactionExpired(): ProblemError {
  return new ProblemError("interaction-expired", {
    detail: "This sign-in request has expired or belongs to another browser; start again from the application",
  });
}

/** The interaction `id` of this browser, or the `interaction-expired` problem. */
export async function requireInteraction(
  c: Context,
  ctx: ProviderContext,
  id: string | undefined,
): Promise<Interaction> {
  const interaction = await boundInteraction(c, ctx, id);
  if (!interaction) throw interactionExpired();
  return interaction;
}

/** True when a form's CSRF field matches the interaction's. */
export function csrfMatches(interaction: Interaction, given: string | null | undefined): boolean {
  return typeof given === "string" && constantTimeEqual(interaction.csrf, given);
}

/** The URL of an interaction page (login or consent). */
export function interactionUrl(ctx: ProviderContext, interaction: Interaction, step: "login" | "consent"): string {
  return `${ctx.issuer}/interaction/${interaction.id}${step === "consent" ? "/consent" : ""}`;
}

/** A redirect; 303 after a POST, so the browser follows with a GET. */
export function redirectTo(c: Context, location: string): Response {
  return new Response(null, {
    status: c.req.method === "POST" ? 303 : 302,
    headers: { location, "cache-control": "no-store" },
  });
}

/** Sends the browser back to the client with `params` (the registered redirect URI only). */
export function redirectToClient(
  c: Context,
  ctx: ProviderContext,
  request: AuthorizationRequest,
  params: Record<string, string | undefined>,
): Response {
  const target = new URL(request.redirectUri);
  for (const [name, value] of Object.entries({ ...params, state: request.state, iss: ctx.issuer })) {
    if (value !== undefined) target.searchParams.set(name, value);
  }
  return redirectTo(c, target.toString());
}

/** An error for the client, through its redirect URI. */
export function failToClient(
  c: Context,
  ctx: ProviderContext,
  request: AuthorizationRequest,
  error: OAuthErrorCode,
  description: string,
): Response {
  return redirectToClient(c, ctx, request, { error, error_description: description });
}

/** Ends an interaction: its record and the browser's cookie. */
async function finish(c: Context, ctx: ProviderContext, interactionId: string | undefined): Promise<void> {
  if (interactionId === undefined) return;
  await ctx.interactions.delete(interactionId);
  deleteCookie(c, INTERACTION_COOKIE, cookieOptions(ctx));
}

/**
 * Finishes an authorization for a signed-in user: the consent page when the client needs consent
 * the user has not given, else a fresh code sent to the client.
 */
export async function completeAuthorization(
  c: Context,
  ctx: ProviderContext,
  request: AuthorizationRequest & { id?: string },
  user: { sub: string; authTime: number },
): Promise<Response> {
  const client = await ctx.clients.get(request.clientId);
  if (!client) return failToClient(c, ctx, request, "invalid_request", "The client no longer exists");
  const scopes = request.scope.split(" ").filter(Boolean);
  const needsConsent =
    !client.skipConsent &&
    (request.prompt.includes("consent") || !(await ctx.consents.covers(user.sub, client.id, scopes)));
  if (needsConsent) {
    if (request.prompt.includes("none")) {
      await finish(c, ctx, request.id);
      return failToClient(c, ctx, request, "consent_required", "The user has not consented to this client");
    }
    const interaction =
      request.id === undefined
        ? await startInteraction(c, ctx, request)
        : ((await ctx.interactions.get(request.id)) ?? (await startInteraction(c, ctx, request)));
    await ctx.interactions.save({
      ...interaction,
      sub: user.sub,
      prompt: interaction.prompt.filter((value) => value !== "login"),
    });
    return redirectTo(c, interactionUrl(ctx, interaction, "consent"));
  }
  const grantId = ctx.grants.newGrantId();
  const code = await ctx.grants.createCode(
    {
      clientId: client.id,
      redirectUri: request.redirectUri,
      sub: user.sub,
      scope: scopes.join(" "),
      nonce: request.nonce,
      codeChallenge: request.codeChallenge,
      authTime: user.authTime,
      grantId,
    },
    ctx.codeTtl,
  );
  await ctx.grants.recordUserGrant(user.sub, client.id, grantId);
  await finish(c, ctx, request.id);
  return redirectToClient(c, ctx, request, { code });
}

/**
 * The one completion path of every sign-in method: starts the provider session and continues the
 * pending interaction to consent or the code redirect. Never answers with the user as JSON.
 */
export async function completeLogin(
  c: Context,
  ctx: ProviderContext,
  interaction: Interaction,
  user: OIDCUser,
  amr: string[],
): Promise<Response> {
  const session = await ctx.sessions.start(c, String(user.id), amr);
  // Asked for a fresh login and got one: the resumed request must not ask again.
  const resumed = { ...interaction, prompt: interaction.prompt.filter((value) => value !== "login") };
  return completeAuthorization(c, ctx, resumed, { sub: session.sub, authTime: session.authTime });
}
