/**
 * Passport.js strategies as upstreams: GET /passport/:name?interaction=… sends the browser to the
 * upstream with a state (and PKCE, when the strategy uses it) bound to a signed cookie and the KV;
 * GET or POST /passport/:name/callback refuses a missing, expired, mismatched or replayed state
 * before the strategy exchanges any code, then maps the strategy's result to a local user and
 * resumes the interaction through `completeLogin`, like every other way of signing in.
 */
import "../problems";
import type { Context, Hono } from "hono";
import { runStrategy, toPassportRequest, type StrategyOutcome } from "../../auth/port";
import { ProblemError } from "../../kernel/errors";
import type { CovaraEnv } from "../../kernel/http";
import type { ProviderContext } from "../context";
import { randomHandle } from "../encoding";
import { isFormRequest, readForm } from "../form";
import { renderLogin } from "../interaction-routes";
import { completeLogin, requireInteraction } from "../interactions";
import type { Interaction } from "../types";
import type { RouteFactory } from "../routes";
import type { ExternalProfile, OIDCBackends } from "../types";
import { passportUpstreams, type PassportUpstream } from "./passport-config";
import { isUsableProfile, profileFromPassport } from "./passport-profile";
import {
  bindUpstreamState,
  takeUpstreamState,
  UPSTREAM_STATE_TTL_MS,
  type PendingUpstreamLogin,
} from "./upstream-state";
import { defaultLogger } from "../../kernel/context";

/** What a Passport sign-in keeps between the redirect and the callback. */
interface PendingPassportLogin extends PendingUpstreamLogin {
  /** The PKCE code_verifier, when the strategy uses PKCE. */
  verifier: string | null;
}

/** Strategy errors are logged for the operator; the browser only learns that the login failed. */
function loginFailed(
  upstream: PassportUpstream,
  outcome?: StrategyOutcome | { kind: "thrown"; error: unknown },
): ProblemError {
  if (outcome?.kind === "error" || outcome?.kind === "thrown")
    defaultLogger().error(`[covara] oidc passport "${upstream.name}": the strategy reported an error:`, outcome.error);
  return new ProblemError("social-login-failed", {
    detail: `Signing in with ${upstream.label ?? upstream.name} failed; try again or choose another way to sign in`,
  });
}

function callbackURL(ctx: ProviderContext, upstream: PassportUpstream): string {
  return upstream.callbackURL ?? `${ctx.issuer}/passport/${upstream.name}/callback`;
}

function authenticateOptions(ctx: ProviderContext, upstream: PassportUpstream): Record<string, unknown> {
  return { session: false, ...upstream.authenticateOptions, callbackURL: callbackURL(ctx, upstream) };
}

// passport-oauth2 keeps state (and the PKCE verifier) in `_stateStore`; when present it is replaced per call.
const usesStateStore = (upstream: PassportUpstream) => "_stateStore" in upstream.strategy;

async function start(c: Context<CovaraEnv>, ctx: ProviderContext, upstream: PassportUpstream): Promise<Response> {
  const interaction = await requireInteraction(c, ctx, c.req.query("interaction"));
  const handle = randomHandle(32);
  let verifier: string | null = null;
  // A state store speaking passport-oauth2's interface; the arities (5 and 4) select its PKCE-aware calls.
  const stateStore = {
    store(
      _req: unknown,
      codeVerifier: unknown,
      _state: unknown,
      _meta: unknown,
      done: (error: unknown, state?: string) => void,
    ) {
      verifier = typeof codeVerifier === "string" ? codeVerifier : null;
      done(null, handle);
    },
    verify(_req: unknown, _state: unknown, _meta: unknown, done: (error: unknown, ok: boolean) => void) {
      done(null, false);
    },
  };
  const stateful = usesStateStore(upstream);
  const outcome = await runStrategy(
    upstream.strategy,
    toPassportRequest(c, ctx.clientIp(c)),
    { ...authenticateOptions(ctx, upstream), ...(stateful ? {} : { state: handle }) },
    stateful ? { _stateStore: stateStore } : {},
  );
  if (outcome.kind !== "redirect") throw loginFailed(upstream, outcome);
  // A state never outlives the interaction it resumes.
  const expiresAt = Math.min(Date.now() + UPSTREAM_STATE_TTL_MS, interaction.expiresAt);
  await bindUpstreamState(c, ctx, "passport", handle, {
    upstream: upstream.name,
    interactionId: interaction.id,
    verifier,
    expiresAt,
  } satisfies PendingPassportLogin);
  return c.redirect(outcome.url, 302);
}

/** The callback's parameters: the query, plus a form_post body (Apple and some others answer with a POST). */
async function callbackParams(
  c: Context<CovaraEnv>,
): Promise<{ body: Record<string, string>; get: (name: string) => string | undefined }> {
  const body = c.req.method === "POST" && isFormRequest(c) ? Object.fromEntries(await readForm(c)) : {};
  return { body, get: (name) => c.req.query(name) ?? body[name] };
}

async function callback(c: Context<CovaraEnv>, ctx: ProviderContext, upstream: PassportUpstream): Promise<Response> {
  const params = await callbackParams(c);
  const state = params.get("state");
  const pending = await takeUpstreamState<PendingPassportLogin>(c, ctx, "passport", upstream.name, state);
  const interaction = await requireInteraction(c, ctx, pending.interactionId);
  const label = upstream.label ?? upstream.name;
  // The upstream's own error text is not shown: it is attacker-controllable and would appear on this site.
  if (params.get("error") !== undefined)
    return renderLogin(ctx, interaction, `Signing in with ${label} was cancelled or refused.`, 401);

  const stateStore = {
    store(
      _req: unknown,
      _verifier: unknown,
      _state: unknown,
      _meta: unknown,
      done: (error: unknown, state?: string) => void,
    ) {
      done(null, state);
    },
    // The state was checked above; hand the strategy the PKCE verifier for the code exchange.
    verify(
      _req: unknown,
      _state: unknown,
      _meta: unknown,
      done: (error: unknown, ok: string | boolean, info?: unknown) => void,
    ) {
      done(null, pending.verifier ?? true, {});
    },
  };
  const req = toPassportRequest(c, ctx.clientIp(c), params.body);
  const outcome = await runStrategy(
    upstream.strategy,
    req,
    authenticateOptions(ctx, upstream),
    usesStateStore(upstream) ? { _stateStore: stateStore } : {},
  );
  if (outcome.kind === "fail") return renderLogin(ctx, interaction, `${label} did not confirm this sign-in.`, 401);
  if (outcome.kind !== "success" || !outcome.user) throw loginFailed(upstream, outcome);
  return finishLogin(c, ctx, upstream, interaction, outcome.user, outcome.info);
}

async function finishLogin(
  c: Context<CovaraEnv>,
  ctx: ProviderContext,
  upstream: PassportUpstream,
  interaction: Interaction,
  result: unknown,
  info: unknown,
): Promise<Response> {
  let profile: ExternalProfile | null;
  try {
    profile = upstream.toProfile ? upstream.toProfile(result, info) : profileFromPassport(upstream.name, result);
  } catch (error) {
    throw loginFailed(upstream, { kind: "thrown", error });
  }
  const label = upstream.label ?? upstream.name;
  if (!isUsableProfile(profile)) return renderLogin(ctx, interaction, `${label} did not share who you are.`, 401);
  const user = await upstream.resolve(profile);
  if (!user) return renderLogin(ctx, interaction, `No account here matches your ${label} sign-in.`, 401);
  return completeLogin(c, ctx, interaction, user, [`passport:${upstream.name}`]);
}

/** Mounts the Passport routes for `backends.passport`; throws a TypeError on a misconfigured strategy. */
export function mountPassportRoutes(router: Hono<CovaraEnv>, route: RouteFactory, backends: OIDCBackends): void {
  for (const upstream of passportUpstreams(backends)) {
    router.get(
      `/passport/${upstream.name}`,
      route((c, ctx) => start(c, ctx, upstream)),
    );
    router.get(
      `/passport/${upstream.name}/callback`,
      route((c, ctx) => callback(c, ctx, upstream)),
    );
    router.post(
      `/passport/${upstream.name}/callback`,
      route((c, ctx) => callback(c, ctx, upstream)),
    );
  }
}
