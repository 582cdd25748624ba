/**
 * `useAuth(options)`: the auth router (/me, /login, /signup, /logout, the strategy's and the
 * features' routes) and the middleware that puts the user in `c.get("user")`. Credentials and
 * the session strategy are independent: every credential signs in through `kit.signIn`, which
 * ends in `strategy.issue`; every request is authenticated by `strategy.authenticate`.
 */
import "./problems";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { setResponseHeaders } from "../kernel/response-headers";
import { errorHandler } from "../kernel/error-handler";
import { contextOf, type ContextSource } from "../kernel/context";
import type { KV } from "../kernel/kv";
import { createMemoryKV } from "../kv";
import { resolvePrincipal, type PrincipalOptions } from "../kernel/principal";
import type { CovaraEnv } from "../kernel/http";
import { strategyFromAdapter, type AuthAdapter } from "./adapters/legacy-adapter";
import { createAuthKit } from "./auth-kit";
import { createAuthMiddleware } from "./auth-middleware";
import { createCredentialProvider, type LoginOptions, type SignupOptions } from "./credentials";
import { passwordPolicy, type PasswordPolicy, type PasswordPolicyOptions } from "./password-policy";
import type { PasswordHashOptions } from "./passwords";
import { rememberAuthBasePath } from "./routes/auth-base-path";
import { mountLogin, mountSignup } from "./routes/credential-routes";
import { mountSessionRoutes } from "./routes/session-routes";
import { createClientIpResolver } from "./security/client-ip";
import { resolveCsrf, type CsrfOptions } from "./security/csrf";
import { createThrottle, type ThrottleLimits } from "../kernel/throttle";
import { createKVVerificationTokenStore } from "./stores/kv-verification-token-store";
import { cookieSession } from "./strategies/cookie-session";
import type {
  AuthEmail,
  AuthFeature,
  AuthKit,
  AuthUser,
  SessionStrategy,
  UserDirectory,
  VerificationTokenStore,
} from "./types";
import { defaultUserView } from "./user-view";

export interface AuthSecurityOptions {
  /** Attempt limits per bucket (login, refresh, password-reset, ...), merged over the defaults; false disables. */
  throttle?: Partial<ThrottleLimits> | false;
  /** Proxies whose X-Forwarded-For is believed (addresses or CIDR blocks). */
  trustedProxies?: readonly string[];
  /** How to read the connection's peer address (default: covara/node's socket). */
  peerAddress?: (c: Context<CovaraEnv>) => string | null | undefined;
  /** CSRF protection for cookie-authenticated requests (opt-in). */
  csrf?: boolean | CsrfOptions;
}

/**
 * Options of `useAuth`: the user table, the session strategy, credential paths, features and account security.
 *
 * @example
 * ```ts
 * const auth = useAuth({
 *   kv,
 *   strategy: cookieSession(),
 *   users: { getById, findByEmail, createUser, getPasswordHash, setPasswordHash },
 *   passwordPolicy: true,
 *   features: [mfa()],
 * });
 * ```
 */
export interface UseAuthOptions {
  /**
   * How signed-in users are carried between requests.
   * @default `cookieSession()` over the KV
   */
  strategy?: SessionStrategy;
  /** A legacy adapter (JWT, Auth.js, Passport, ...), mapped onto a strategy. */
  adapter?: AuthAdapter | SessionStrategy;
  /** The app's users (covara never owns a users table). */
  users?: UserDirectory;
  /** Email+password login through your own check; default: built-in over `users`. `false` removes /login. */
  login?: LoginOptions | false;
  /** Account creation through your own callback; default: built-in over `users`. `false` removes /signup. */
  signup?: SignupOptions | false;
  /** Rejects weak passwords at signup with 422 (true: the default policy). */
  passwordPolicy?: boolean | PasswordPolicy | PasswordPolicyOptions;
  /**
   * scrypt parameters for the built-in password path.
   * @default OWASP's N=2^17, r=8, p=1
   */
  passwordHashing?: PasswordHashOptions;
  /** Delivers the emails of magic links, verification and reset (default: the adapter given to covara/email's `setGlobalEmail`). */
  sendEmail?: (email: AuthEmail) => Promise<void>;
  /** Opt-in features: MFA, passkeys, magic links, email verification, password reset, social login. */
  features?: readonly AuthFeature[];
  /**
   * Where sessions, refresh tokens, throttles and verification tokens live.
   * @default the app's KV (`createCovara({ kv })`) when `app` is given and has one, else a memory KV
   */
  kv?: KV;
  /**
   * The app (or its context) the auth serves: its logger receives the failures no response
   * reports (detached email deliveries), and its KV is the default `kv`. Create the app first,
   * then `app.use("*", auth.middleware)` and `app.route("/api/auth", auth.router)`.
   * @default the default context
   */
  app?: ContextSource;
  /**
   * Verification tokens.
   * @default the KV store over `kv`
   */
  tokens?: VerificationTokenStore;
  /**
   * Public URL of the app for links in emails ("https://app.example.com").
   * @default the request's origin
   */
  baseUrl?: string;
  /**
   * What of a user the routes send back.
   * @default every field except credential-like ones
   */
  exposeUser?: (user: AuthUser) => Record<string, unknown>;
  security?: AuthSecurityOptions;
  /**
   * Where each request's principal gets its tenant memberships (roles, clearance): `middleware`
   * then also sets `c.get("principal")` right after authentication, for apps built with
   * `useAuth`/`useResource` on a plain Hono app. `createCovara({ auth })` uses it too (give it here
   * or to `createCovara`, not both). See docs/principal.md.
   * @default the principal is built on first read from the user, without memberships (`getPrincipal`)
   */
  principal?: PrincipalOptions;
}

export interface UseAuthResult {
  /** Mount at your auth path: `app.route("/api/auth", router)`. */
  router: Hono<CovaraEnv>;
  /** `app.use("*", middleware)`: authenticates every request into `c.get("user")`. */
  middleware: MiddlewareHandler<CovaraEnv>;
  /** The strategy in use (the adapter's, mapped). */
  strategy: SessionStrategy;
  /** The kit features receive, for custom credential routes of your own. */
  kit: AuthKit;
  /** The `principal` option, for `createCovara` (which resolves the principal after its own identity steps). */
  principal?: PrincipalOptions;
}

function resolvePolicy(option: UseAuthOptions["passwordPolicy"]): PasswordPolicy | null {
  if (!option) return null;
  if (option === true) return passwordPolicy();
  return typeof (option as PasswordPolicy).assert === "function"
    ? (option as PasswordPolicy)
    : passwordPolicy(option as PasswordPolicyOptions);
}

/** Builds the auth router and middleware. */
export function useAuth(options: UseAuthOptions = {}): UseAuthResult {
  if (options.strategy && options.adapter)
    throw new TypeError("covara/auth: pass either a strategy or an adapter, not both");
  const security = options.security ?? {};
  const app = contextOf(options.app);
  // Only an app named on purpose lends its KV: the default context's global KV never did.
  const kv = options.kv ?? (options.app === undefined ? undefined : app.kv) ?? createMemoryKV();
  const users: UserDirectory = options.users ?? { getById: async (id) => ({ id }) };
  const strategy = options.strategy ?? (options.adapter ? strategyFromAdapter(options.adapter) : cookieSession());
  const clientIp = createClientIpResolver({
    trustedProxies: security.trustedProxies,
    peerAddress: security.peerAddress,
  });
  const throttle = createThrottle({ kv, limits: security.throttle });
  const csrf = resolveCsrf(security.csrf);
  const exposeUser = options.exposeUser ?? defaultUserView;
  const features = options.features ?? [];
  const names = new Set<string>();
  for (const feature of features) {
    if (names.has(feature.name)) throw new TypeError(`covara/auth: the feature "${feature.name}" is listed twice`);
    names.add(feature.name);
  }

  strategy.bind?.({ kv, users, clientIp, throttle: (_c, key) => throttle.hit(key) });
  const authenticate = createAuthMiddleware(strategy, csrf);
  const principal = options.principal;
  const withPrincipal = principal ? resolvePrincipal(principal) : undefined;
  // With `principal`, authenticating is followed by resolving the memberships, in one middleware.
  const middleware: MiddlewareHandler<CovaraEnv> = withPrincipal
    ? (c, next) =>
        authenticate(c, async () => {
          await withPrincipal(c, next);
        })
    : authenticate;
  const kit = createAuthKit({
    kv,
    users,
    tokens: options.tokens ?? createKVVerificationTokenStore({ kv }),
    strategy,
    features,
    throttle,
    clientIp,
    sendEmail: options.sendEmail,
    baseUrl: options.baseUrl,
    exposeUser,
    csrf,
    logger: app.logger,
  });
  const credentials = createCredentialProvider({
    login: options.login,
    signup: options.signup,
    users,
    policy: resolvePolicy(options.passwordPolicy),
    hashing: options.passwordHashing ?? {},
  });

  const router = new Hono<CovaraEnv>();
  // Errors of app callbacks still answer problem+json, whichever app the router is mounted in.
  router.onError(errorHandler);
  router.use("*", async (c, next) => {
    rememberAuthBasePath(c);
    await next();
    // Auth answers carry identities and tokens: never cached.
    if (!c.res.headers.has("cache-control")) setResponseHeaders(c, [["cache-control", "no-store"]]);
  });
  router.use("*", middleware);
  mountSessionRoutes(router, { strategy, exposeUser, csrf });
  mountLogin(router, kit, credentials, throttle);
  mountSignup(router, kit, credentials, throttle);
  strategy.mount?.(router);
  for (const feature of features) feature.mount(router, kit);

  return principal ? { router, middleware, strategy, kit, principal } : { router, middleware, strategy, kit };
}
