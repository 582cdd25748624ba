/**
 * The provider's own pages: login (email + password, and buttons for every upstream), consent,
 * and consent management for the signed-in user (`GET /consents`, `POST /consent/revoke`).
 * Forms carry the interaction's CSRF token; the interaction must belong to this browser.
 */
import "./problems";
import type { Context, Hono } from "hono";
import { isEmailAddress } from "../auth";
import { ProblemError } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import { readJsonObject } from "../kernel/body";
import type { ProviderContext } from "./context";
import { isFormRequest, readForm } from "./form";
import {
  completeAuthorization,
  completeLogin,
  csrfMatches,
  failToClient,
  interactionExpired,
  interactionUrl,
  requireInteraction,
} from "./interactions";
import type { Interaction } from "./types";
import { consentPage, describeScope, htmlResponse, loginPage } from "./pages";
import type { UpstreamLink } from "./types";
import type { RouteFactory } from "./routes";

const LOGIN_FAILED = "The email or password is incorrect.";
const NOT_AN_EMAIL = "Enter a valid email address.";

async function clientName(ctx: ProviderContext, interaction: Interaction): Promise<string> {
  const client = await ctx.clients.get(interaction.clientId);
  return client?.name ?? interaction.clientId;
}

/** The buttons for every upstream, each carrying the interaction. */
function upstreamLinks(ctx: ProviderContext, interaction: Interaction): UpstreamLink[] {
  const query = `?interaction=${encodeURIComponent(interaction.id)}`;
  return [
    ...(ctx.backends.federated ?? []).map((upstream) => ({
      label: upstream.label ?? upstream.name,
      url: `${ctx.issuer}/federated/${upstream.name}${query}`,
    })),
    ...(ctx.backends.passport ?? []).map((upstream) => ({
      label: upstream.label ?? upstream.name,
      url: `${ctx.issuer}/passport/${upstream.name}${query}`,
    })),
  ];
}

/** The login page for an interaction, with an optional error (e.g. after a failed upstream login). */
export async function renderLogin(
  ctx: ProviderContext,
  interaction: Interaction,
  error?: string,
  status = 200,
): Promise<Response> {
  const emailPassword = ctx.backends.emailPassword;
  const view = {
    clientName: await clientName(ctx, interaction),
    action: `${interactionUrl(ctx, interaction, "login")}/login`,
    csrf: interaction.csrf,
    loginHint: interaction.loginHint,
    emailPassword: emailPassword !== undefined && emailPassword.enabled !== false,
    upstreams: upstreamLinks(ctx, interaction),
    error,
  };
  return htmlResponse((ctx.pages.login ?? loginPage)(view), status);
}

async function showLogin(c: Context<CovaraEnv>, ctx: ProviderContext): Promise<Response> {
  const interaction = await requireInteraction(c, ctx, c.req.param("id"));
  return renderLogin(ctx, interaction);
}

async function submitLogin(c: Context<CovaraEnv>, ctx: ProviderContext): Promise<Response> {
  const interaction = await requireInteraction(c, ctx, c.req.param("id"));
  const backend = ctx.backends.emailPassword;
  if (!backend || backend.enabled === false)
    throw new ProblemError("not-found", { detail: "Email and password sign-in is not enabled" });
  const form = await readForm(c);
  if (!csrfMatches(interaction, form.get("csrf")))
    throw new ProblemError("csrf-rejected", { detail: "The form is stale; reload the sign-in page" });
  const email = (form.get("email") ?? "").trim().slice(0, 320);
  const password = (form.get("password") ?? "").slice(0, 1024);
  // The same address rule as /signup and /login; a malformed address is not even looked up (nor echoed back).
  if (email !== "" && !isEmailAddress(email))
    return renderLogin(ctx, { ...interaction, loginHint: undefined }, NOT_AN_EMAIL, 400);
  const throttleKey = `login:${ctx.clientIp(c)}`;
  await ctx.loginThrottle.hit(throttleKey);
  const user = email && password ? await backend.validateUser(email, password) : null;
  if (!user) return renderLogin(ctx, { ...interaction, loginHint: email }, LOGIN_FAILED, 401);
  await ctx.loginThrottle.refund(throttleKey);
  return completeLogin(c, ctx, interaction, user, ["pwd"]);
}

/** The signed-in user of a consent step, who must be the one who signed in for this interaction. */
async function consentingUser(
  c: Context<CovaraEnv>,
  ctx: ProviderContext,
): Promise<{ interaction: Interaction; sub: string; authTime: number }> {
  const interaction = await requireInteraction(c, ctx, c.req.param("id"));
  if (interaction.sub === undefined) throw interactionExpired();
  const session = await ctx.sessions.read(c);
  const sub = session?.sub ?? (c.get("user") ? String(c.get("user")!.id) : undefined);
  if (sub !== interaction.sub) throw interactionExpired();
  return { interaction, sub, authTime: session?.authTime ?? Math.floor(Date.now() / 1000) };
}

async function showConsent(c: Context<CovaraEnv>, ctx: ProviderContext): Promise<Response> {
  const { interaction, sub } = await consentingUser(c, ctx);
  const user = await ctx.getUser(sub);
  const view = {
    clientName: await clientName(ctx, interaction),
    action: interactionUrl(ctx, interaction, "consent"),
    csrf: interaction.csrf,
    scopes: interaction.scope
      .split(" ")
      .filter(Boolean)
      .map((name) => ({ name, description: describeScope(name) })),
    userName: user?.email ?? user?.name ?? sub,
  };
  return htmlResponse((ctx.pages.consent ?? consentPage)(view));
}

async function submitConsent(c: Context<CovaraEnv>, ctx: ProviderContext): Promise<Response> {
  const { interaction, sub, authTime } = await consentingUser(c, ctx);
  const form = await readForm(c);
  if (!csrfMatches(interaction, form.get("csrf")))
    throw new ProblemError("csrf-rejected", { detail: "The form is stale; reload the consent page" });
  if (form.get("decision") !== "allow") {
    await ctx.interactions.delete(interaction.id);
    return failToClient(c, ctx, interaction, "access_denied", "The user denied access");
  }
  await ctx.consents.grant(sub, interaction.clientId, interaction.scope.split(" ").filter(Boolean));
  const decided = { ...interaction, prompt: interaction.prompt.filter((value) => value !== "consent") };
  return completeAuthorization(c, ctx, decided, { sub, authTime });
}

/** The user behind a consent-management call: the provider session, else the app's user. */
async function sessionUser(c: Context<CovaraEnv>, ctx: ProviderContext): Promise<string> {
  const session = await ctx.sessions.read(c);
  const appUser = c.get("user");
  const sub = session?.sub ?? (appUser ? String(appUser.id) : undefined);
  if (sub === undefined)
    throw new ProblemError("unauthorized", { detail: "Sign in to manage the applications you allowed" });
  return sub;
}

/**
 * Cookie-authenticated state changes must come from the provider's own origin: a JSON body
 * (which a cross-site form cannot send) or a same-origin `Origin` header.
 */
function assertSameOrigin(c: Context, ctx: ProviderContext): void {
  const origin = c.req.header("origin");
  const jsonBody = (c.req.header("content-type") ?? "").toLowerCase().startsWith("application/json");
  if (origin !== undefined ? origin === new URL(ctx.issuer).origin : jsonBody) return;
  throw new ProblemError("csrf-rejected", { detail: "Consent changes must come from this site" });
}

/** The optional `client_id` of a revoke request (form or JSON); absent means every client. */
async function revokedClientId(c: Context<CovaraEnv>): Promise<string | undefined> {
  let value: unknown;
  if (isFormRequest(c)) value = (await readForm(c)).get("client_id") ?? undefined;
  else if (c.req.header("content-length") !== "0" && c.req.raw.body)
    value = (await readJsonObject(c, 16 * 1024)).client_id;
  if (value === undefined || (typeof value === "string" && value !== "")) return value;
  throw new ProblemError("validation-error", { detail: "client_id must be a non-empty string when given" });
}

async function revokeConsent(c: Context<CovaraEnv>, ctx: ProviderContext): Promise<Response> {
  const sub = await sessionUser(c, ctx);
  assertSameOrigin(c, ctx);
  const clientId = await revokedClientId(c);
  const revoked = await ctx.consents.revoke(sub, clientId);
  // Taking consent back ends what it allowed: the client's tokens for this user stop working.
  await ctx.grants.revokeUserGrants(sub, clientId);
  return c.json({ revoked }, 200, { "cache-control": "no-store" });
}

async function listConsents(c: Context<CovaraEnv>, ctx: ProviderContext): Promise<Response> {
  const sub = await sessionUser(c, ctx);
  const consents = await ctx.consents.list(sub);
  return c.json(
    {
      consents: consents.map((entry) => ({
        clientId: entry.clientId,
        scopes: entry.scopes,
        expiresAt: new Date(entry.expiresAt).toISOString(),
      })),
    },
    200,
    { "cache-control": "no-store" },
  );
}

/** Mounts the login and consent pages and consent management. */
export function mountInteractionRoutes(router: Hono<CovaraEnv>, route: RouteFactory): void {
  router.get("/interaction/:id", route(showLogin));
  router.post("/interaction/:id/login", route(submitLogin));
  router.get("/interaction/:id/consent", route(showConsent));
  router.post("/interaction/:id/consent", route(submitConsent));
  router.get("/consents", route(listConsents));
  router.post("/consent/revoke", route(revokeConsent));
}
