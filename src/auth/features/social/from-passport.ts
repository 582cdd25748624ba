/**
 * `fromPassport(strategy, options)`: social login through any Passport.js OAuth2 strategy.
 * GET /social/:name sends the browser to the provider with a state (and PKCE, when the strategy
 * uses it) bound to a signed cookie and the KV; GET or POST /social/:name/callback refuses a
 * missing, expired or mismatched state before the strategy exchanges any code, then runs the
 * strategy's verify callback, finds or creates the user and signs in through `kit.signIn`.
 */
import "../../problems";
import type { Context } from "hono";
import { ProblemError } from "../../../kernel/errors";
import type { CovaraEnv } from "../../../kernel/http";
import type { AuthFeature, AuthKit, AuthUser } from "../../types";
import { randomToken } from "../shared/crypto";
import { redirectKeepingCookies } from "../shared/redirect";
import { readBoundedText } from "../shared/request";
import { createKVSocialAccountStore, type SocialAccountStore } from "./account-links";
import { bindState, takeState, type PendingOAuthLogin } from "./oauth-state";
import { runStrategy, toPassportRequest, type PassportStrategyLike, type StrategyOutcome } from "./passport-shim";
import { isPassportProfile, resolveProfileUser, SocialLoginRefused } from "./resolve-user";
import { defaultLogger } from "../../../kernel/context";

/** What a custom `resolveUser` receives besides the verify callback's result. */
export interface SocialLoginContext {
  provider: string;
  info: unknown;
  kit: AuthKit;
  c: Context<CovaraEnv>;
  accounts: SocialAccountStore;
  /** The signed-in user who started the login to link the provider, or null. */
  linkUserId: string | null;
}

export interface FromPassportOptions {
  /** The provider's name in the routes: /social/<name> (letters, digits, "-" and "_"). */
  name: string;
  /** Options for every `strategy.authenticate` call, e.g. `{ scope: ["user:email"] }`. */
  authenticateOptions?: Record<string, unknown>;
  /** The callback URL sent to the provider (default: the strategy's own, else this router's /social/<name>/callback). */
  callbackURL?: string;
  /** Turns the verify callback's result into the app user (default: account links, then verified email, then sign-up). */
  resolveUser?: (result: unknown, context: SocialLoginContext) => Promise<AuthUser | null>;
  /** Where provider-account links live (default: the auth KV). */
  accounts?: SocialAccountStore;
  /** Treat emails from this provider as verified even without a verified flag (default false). */
  trustEmail?: boolean;
  /** Secret that signs the state cookie (default: random per process — set one when several instances serve logins). */
  secret?: string;
  /** How long a login may take between redirect and callback (default 10 minutes). */
  stateTtlMs?: number;
  /** Where the browser goes after signing in (303, keeping the session cookies); default: the sign-in JSON. */
  successRedirect?: string;
  /** Where the browser goes when the login fails (303, with `?error=<code>`); default: a problem+json. */
  failureRedirect?: string;
}

const NAME = /^[a-z0-9_-]{1,40}$/i;

/** Creates a social-login feature from a Passport strategy. */
export function fromPassport(strategy: PassportStrategyLike, options: FromPassportOptions): AuthFeature {
  const name = options.name;
  if (!NAME.test(name))
    throw new Error(`fromPassport: name must be 1-40 letters, digits, "-" or "_" (got ${JSON.stringify(name)})`);
  if (typeof strategy?.authenticate !== "function")
    throw new Error("fromPassport: the strategy has no authenticate(req, options) method");
  const secret = options.secret ?? randomToken(32);
  const stateTtlMs = options.stateTtlMs ?? 10 * 60_000;
  // passport-oauth2 keeps state (and the PKCE verifier) in `_stateStore`; when present we replace it.
  const usesStateStore = "_stateStore" in strategy;
  const hasOwnCallback = typeof (strategy as { _callbackURL?: unknown })._callbackURL === "string";

  function authenticateOptions(c: Context<CovaraEnv>, kit: AuthKit): Record<string, unknown> {
    const callbackURL = options.callbackURL ?? (hasOwnCallback ? undefined : kit.url(c, `/social/${name}/callback`));
    return { session: false, ...options.authenticateOptions, ...(callbackURL ? { callbackURL } : {}) };
  }

  function failure(detail: string, type: "invalid-state" | "social-login-failed"): Response {
    const problem = new ProblemError(type, { detail });
    if (!options.failureRedirect) return problem.getResponse();
    const location = `${options.failureRedirect}${options.failureRedirect.includes("?") ? "&" : "?"}error=${problem.code}`;
    return new Response(null, { status: 303, headers: { location } });
  }

  async function start(c: Context<CovaraEnv>, kit: AuthKit): Promise<Response> {
    const handle = randomToken(32);
    let verifier: string | null = null;
    // A state store speaking passport-oauth2's interface; the arities (5 and 4) select the PKCE-aware calls.
    const stateStore = {
      store(
        _req: unknown,
        codeVerifier: unknown,
        _state: unknown,
        _meta: unknown,
        callback: (error: unknown, state?: string) => void,
      ) {
        verifier = typeof codeVerifier === "string" ? codeVerifier : null;
        callback(null, handle);
      },
      verify(_req: unknown, _state: unknown, _meta: unknown, callback: (error: unknown, ok: boolean) => void) {
        callback(null, false);
      },
    };
    const req = toPassportRequest(c, kit.clientIp(c));
    const outcome = await runStrategy(
      strategy,
      req,
      { ...authenticateOptions(c, kit), ...(usesStateStore ? {} : { state: handle }) },
      usesStateStore ? { _stateStore: stateStore } : {},
    );
    if (outcome.kind !== "redirect") {
      reportStrategyProblem(name, outcome);
      return failure("The provider login could not be started", "social-login-failed");
    }
    // A user already signed in is linking this provider to their account.
    const signedIn = c.get("user") ?? (await kit.strategy.authenticate(c).catch(() => null))?.user ?? null;
    const pending: PendingOAuthLogin = {
      provider: name,
      verifier,
      linkUserId: signedIn ? String(signedIn.id) : null,
      createdAt: Date.now(),
    };
    await bindState(c, kit.kv, secret, handle, pending, stateTtlMs);
    return c.redirect(outcome.url, 302);
  }

  async function callback(c: Context<CovaraEnv>, kit: AuthKit, accounts: SocialAccountStore): Promise<Response> {
    const body = c.req.method === "POST" ? await readFormBody(c) : {};
    const state = c.req.query("state") ?? (typeof body.state === "string" ? body.state : undefined);
    const pending = await takeState(c, kit.kv, secret, name, state);
    if (typeof pending === "string") return failure(`OAuth state rejected: ${pending}`, "invalid-state");

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
      // The state was already checked above; hand the strategy the PKCE verifier for the code exchange.
      verify(
        _req: unknown,
        _state: unknown,
        _meta: unknown,
        done: (error: unknown, ok: string | boolean, info?: unknown) => void,
      ) {
        done(null, pending.verifier ?? true, {});
      },
    };
    const req = toPassportRequest(c, kit.clientIp(c), body);
    const outcome = await runStrategy(
      strategy,
      req,
      authenticateOptions(c, kit),
      usesStateStore ? { _stateStore: stateStore } : {},
    );
    if (outcome.kind !== "success" || !outcome.user) {
      reportStrategyProblem(name, outcome);
      return failure("The provider did not confirm this login", "social-login-failed");
    }

    let user: AuthUser | null;
    try {
      const context: SocialLoginContext = {
        provider: name,
        info: outcome.info,
        kit,
        c,
        accounts,
        linkUserId: pending.linkUserId,
      };
      user = await (options.resolveUser ?? defaultResolve)(outcome.user, context);
    } catch (error) {
      if (error instanceof SocialLoginRefused) return failure(error.message, "social-login-failed");
      throw error;
    }
    if (user === null) return failure("No account matches this provider login", "social-login-failed");
    const signedIn = await kit.signIn(c, user, `social:${name}`);
    return options.successRedirect ? redirectKeepingCookies(signedIn, options.successRedirect) : signedIn;
  }

  /** Links to the signed-in user who started the login, else resolves the profile as usual. */
  async function defaultResolve(result: unknown, context: SocialLoginContext): Promise<AuthUser | null> {
    const { kit, accounts, linkUserId } = context;
    if (isPassportProfile(result)) {
      if (linkUserId !== null) {
        const owner = await accounts.findUserId(name, result.id);
        if (owner !== null && owner !== linkUserId)
          throw new SocialLoginRefused("This provider account is linked to another user");
        await accounts.link(name, result.id, linkUserId);
        return kit.users.getById(linkUserId);
      }
      return resolveProfileUser(kit, result, { provider: name, accounts, trustEmail: options.trustEmail ?? false });
    }
    // The app's verify callback returned its own user: trust only what the directory confirms.
    const id = (result as { id?: unknown }).id;
    return typeof id === "string" || typeof id === "number" ? kit.users.getById(String(id)) : null;
  }

  return {
    name: `social:${name}`,
    mount(router, kit) {
      const accounts = options.accounts ?? createKVSocialAccountStore(kit.kv);
      router.get(`/social/${name}`, (c) => start(c, kit));
      router.get(`/social/${name}/callback`, (c) => callback(c, kit, accounts));
      // Providers using response_mode=form_post (Apple, some OIDC) come back with a POST.
      router.post(`/social/${name}/callback`, (c) => callback(c, kit, accounts));
    },
  };
}

/** A form_post callback body (application/x-www-form-urlencoded, at most 64 KiB); anything else reads as empty. */
async function readFormBody(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded/i.test(type)) return {};
  const text = await readBoundedText(c.req.raw, 64 * 1024);
  return Object.fromEntries(new URLSearchParams(text));
}

/** Strategy errors are logged for the operator; the client only learns that the login failed. */
function reportStrategyProblem(provider: string, outcome: StrategyOutcome): void {
  if (outcome.kind === "error")
    defaultLogger().error(`[covara] social login "${provider}": the strategy reported an error:`, outcome.error);
}
