/** Options and shapes of the OIDC provider; implementations live in their own files. */
import type { KV } from "../kernel/kv";
import type { ClientIpOptions, JWTKeyInput, PassportStrategyLike } from "../auth";
import type { JwtAlgorithm } from "../kernel/crypto/algorithms";
import type { CovaraUser } from "../kernel/http";

/** How a client proves who it is at the token endpoint. `none` makes it a public client. */
export type ClientAuthMethod =
  | "client_secret_basic"
  | "client_secret_post"
  | "client_secret_jwt"
  | "private_key_jwt"
  | "none";

export type GrantType = "authorization_code" | "refresh_token" | "client_credentials";

/** A registered client (relying party). */
export interface OIDCClient {
  id: string;
  name?: string;
  /** A plaintext secret (compared in constant time) or a `scrypt$...` hash from hashPassword. */
  secret?: string;
  /** Exact redirect URIs; matched component by component, never by prefix. */
  redirectUris: readonly string[];
  /** Default ["authorization_code", "refresh_token"]. */
  grantTypes?: readonly GrantType[];
  /** Default "client_secret_basic" when a secret is set, else "none". */
  tokenEndpointAuthMethod?: ClientAuthMethod;
  /** The public keys a `private_key_jwt` client signs its assertions with. */
  jwks?: { keys: readonly JsonWebKey[] };
  /** Scopes this client may ask for (default: every supported scope). */
  scopes?: readonly string[];
  /** A first-party client: the user is never asked for consent (default false). */
  skipConsent?: boolean;
  /** Where RP-initiated logout may send the browser afterwards; matched exactly like redirect URIs. */
  postLogoutRedirectUris?: readonly string[];
}

/** The claims a user contributes to id_tokens and /userinfo. */
export interface OIDCUser extends CovaraUser {
  id: string | number;
  email?: string | null;
  emailVerified?: Date | boolean | null;
  name?: string | null;
  image?: string | null;
}

/** What an upstream (federated OIDC or Passport) login tells about the user. */
export interface ExternalProfile {
  /** The upstream's name as configured, e.g. "google" or "github". */
  provider: string;
  /** The user's stable id at the upstream (the id_token `sub`, or the Passport profile id). */
  subject: string;
  /** The upstream issuer, for federated OIDC. */
  issuer?: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  picture?: string;
  /** Every claim (federated) or the raw Passport profile. */
  raw: Record<string, unknown>;
}

/** Maps an external login to a local user (find, link or create); null refuses the login. */
export type ResolveExternalUser = (profile: ExternalProfile) => Promise<OIDCUser | null> | OIDCUser | null;

/** The built-in email + password login (the default login page's form). */
export interface EmailPasswordBackend {
  enabled?: boolean;
  /** Checks a password; returns the user or null (never say which part was wrong). */
  validateUser: (email: string, password: string) => Promise<OIDCUser | null> | OIDCUser | null;
  /** Loads a user by id; used when `getUser` is not given. */
  findUserById?: (id: string) => Promise<OIDCUser | null> | OIDCUser | null;
}

/** How users sign in to the provider itself. Without backends, the app's own sign-in (`c.get("user")`) is used. */
export interface OIDCBackends {
  emailPassword?: EmailPasswordBackend;
  /** Upstream OpenID providers: `oidcProviders.google({...})`, `oidcProviders.custom({...})`, ... */
  federated?: readonly FederatedProviderConfig[];
  /** Passport.js OAuth2 strategies as upstreams (GitHub, Discord, ...). */
  passport?: readonly PassportBackendConfig[];
  /** Maps an external login to a local user; required with `federated` or `passport`. */
  findOrCreateUser?: ResolveExternalUser;
}

/** Overrides of the default login and consent pages; each returns the whole HTML document. */
export interface OIDCPages {
  login?: (view: LoginPageView) => string;
  consent?: (view: ConsentPageView) => string;
  logout?: (view: LogoutPageView) => string;
}

/**
 * Options of `createOIDCProvider`: issuer, clients, signing keys, backends, storage, pages and limits.
 *
 * @example
 * ```ts
 * const provider = createOIDCProvider({
 *   issuer: "https://id.example.com",
 *   clients: [{ id: "spa", name: "My App", redirectUris: ["https://app.example.com/callback"], tokenEndpointAuthMethod: "none" }],
 *   backends: { emailPassword: { validateUser, findUserById } },
 * });
 * ```
 */
export interface OIDCProviderOptions {
  /** The issuer identifier: the public URL the router is mounted at (no trailing slash). */
  issuer: string;
  clients: readonly OIDCClient[];
  /**
   * Signing keys (the first of each algorithm signs), or `{ algorithm: "RS256" }` for one key of
   * that algorithm generated at start. Default: one RS256 and one ES256 key generated at start.
   */
  keys?: readonly JWTKeyInput[] | { algorithm: JwtAlgorithm };
  /**
   * Where clients, codes, tokens, consents, interactions and sessions live.
   * @default the global KV, else memory
   */
  kv?: KV;
  /**
   * Key prefix inside the KV.
   * @default "oidc:"
   */
  kvPrefix?: string;
  /** `{ type: "memory" }` keeps every store in this process's memory even when a global KV is registered. */
  stores?: { type?: "kv" | "memory" };
  /**
   * Loads a user by id, for /userinfo, refresh and the access-token middleware.
   * @default backends.emailPassword.findUserById
   */
  getUser?: (id: string) => Promise<OIDCUser | null> | OIDCUser | null;
  /** Where /authorize sends a visitor who is not signed in (`return_to` is appended); absent → the login page, or 401 without backends. */
  loginUrl?: string;
  /** The provider's own sign-in: email + password, federated upstreams, Passport strategies. */
  backends?: OIDCBackends;
  /** Replace the default login, consent and logout pages. */
  pages?: OIDCPages;
  /** Provider session cookie and interaction lifetimes. */
  session?: { ttlSeconds?: number; cookieName?: string };
  interactions?: { ttlSeconds?: number };
  /** Opt-in dynamic client registration (RFC 7591) at POST /register. */
  registration?: RegistrationOptions;
  /** Called after RP-initiated logout cleared the provider session (e.g. to end the app's own session). */
  onLogout?: (userId: string) => Promise<void> | void;
  /**
   * Signs the provider's short-lived cookies.
   * @default random per process; set one when several instances serve logins
   */
  cookieSecret?: string;
  tokens?: {
    accessToken?: { ttlSeconds?: number };
    idToken?: { ttlSeconds?: number };
    refreshToken?: { ttlSeconds?: number; rotateOnUse?: boolean };
    authorizationCode?: { ttlSeconds?: number };
  };
  security?: {
    pkce?: { required?: boolean };
    /**
     * Consents expire after this many seconds.
     * @default one year
     */
    consent?: { ttlSeconds?: number };
    /** How the client address is found behind proxies (for rate limits and login throttling). */
    clientIp?: ClientIpOptions;
    /**
     * Failed logins on the login page per IP; false switches it off.
     * @default 5 per 15 minutes
     */
    loginThrottle?: { max: number; windowSeconds: number } | false;
    /** Per-client/IP limits on /token, /jwks and /introspect; off unless set. */
    rateLimiting?: RateLimitingOptions;
  };
  /**
   * The `aud` of access tokens, checked by the middleware.
   * @default the issuer
   */
  accessTokenAudience?: string;
  /**
   * Accepted clock skew when validating access tokens, in seconds.
   * @default 30
   */
  clockSkewSeconds?: number;
}

/** What a validated access token says; set as `c.get("oidcToken")` by the middleware. */
export interface AccessTokenClaims {
  sub: string;
  client_id: string;
  scope: string;
  /** The grant the token belongs to; revoking the grant revokes the token. */
  gid: string;
  /** "client_credentials" when the token acts for the client itself. */
  gty?: "client_credentials";
  jti: string;
  exp: number;
  iat: number;
}

/** Per-endpoint rate limits of the provider. */
export interface EndpointLimit {
  /** Requests allowed per window. */
  max: number;
  windowSeconds: number;
}

export interface RateLimitingOptions {
  token?: EndpointLimit | false;
  jwks?: EndpointLimit | false;
  introspect?: EndpointLimit | false;
  /** POST /register, per IP: open registration should not let one address fill the client store. */
  register?: EndpointLimit | false;
}

/** Dynamic client registration (POST /register). */
export interface RegistrationOptions {
  /** Off unless true: POST /register answers 404. */
  enabled?: boolean;
  /** When set, POST /register requires `Authorization: Bearer <initialAccessToken>`. */
  initialAccessToken?: string;
  /** Registered clients are forgotten after this many seconds (default: kept for good). */
  clientTtlSeconds?: number;
}

// The views the login, consent and logout pages are rendered from (replaceable through `pages`).

export interface UpstreamLink {
  label: string;
  url: string;
}

export interface LoginPageView {
  clientName: string;
  /** Where the form posts. */
  action: string;
  csrf: string;
  /** The login_hint of the authorization request, to prefill the email field. */
  loginHint?: string;
  /** Show the email + password form. */
  emailPassword: boolean;
  /** Buttons for federated and Passport upstreams. */
  upstreams: UpstreamLink[];
  error?: string;
}

export interface ConsentPageView {
  clientName: string;
  action: string;
  csrf: string;
  scopes: Array<{ name: string; description: string }>;
  userName: string;
}

export interface LogoutPageView {
  action: string;
  csrf: string;
  /** True once signed out (no form). */
  done: boolean;
}

// Upstream identity providers: federated OpenID providers and Passport strategies.

/** An upstream OpenID provider, usually built by `oidcProviders.google({...})` and friends. */
export interface FederatedProviderConfig {
  /** Route name: GET <issuer>/federated/<name>?interaction=… starts, …/callback returns (letters, digits, "-", "_"). */
  name: string;
  /** The button text on the login page (default: the name). */
  label?: string;
  /** The upstream issuer; its metadata is read from <issuer>/.well-known/openid-configuration. */
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** How this provider authenticates to the upstream's token endpoint (default client_secret_basic with a secret, else none). */
  tokenEndpointAuthMethod?: "client_secret_basic" | "client_secret_post" | "none";
  /** Scopes asked of the upstream (default ["openid", "email", "profile"]). */
  scopes?: readonly string[];
  /** Extra authorization request parameters (e.g. { prompt: "select_account" }, { hd: "example.com" }). */
  authorizationParams?: Readonly<Record<string, string>>;
  /**
   * Accepts the id_token `iss` when the upstream is multi-tenant and its discovery names a template
   * (Microsoft's `common`); default: `iss` must equal the discovered issuer exactly. `claims` are the
   * id_token's, e.g. to match a tenant id (`tid`) against the one in `iss`.
   */
  validateIssuer?: (iss: string, discoveredIssuer: string, claims: Readonly<Record<string, unknown>>) => boolean;
  /** Maps this upstream's users to local ones (default: backends.findOrCreateUser). */
  resolveUser?: ResolveExternalUser;
}

/** A Passport.js OAuth2 strategy (passport-github2, passport-discord, …) as an upstream. */
export interface PassportBackendConfig {
  /** Route name: GET <issuer>/passport/<name>?interaction=… starts, …/callback returns. */
  name: string;
  label?: string;
  strategy: PassportStrategyLike;
  /** Options for every `strategy.authenticate` call, e.g. { scope: ["user:email"] }. */
  authenticateOptions?: Record<string, unknown>;
  /** The callback URL the upstream sends the browser to (default <issuer>/passport/<name>/callback). */
  callbackURL?: string;
  /** Turns the strategy's verify result into a profile (default: the Passport profile shape). */
  toProfile?: (result: unknown, info: unknown) => ExternalProfile | null;
  resolveUser?: ResolveExternalUser;
}

/** Where the provider finds its clients (static ones and registered ones). */
export interface ClientStore {
  get(id: string): Promise<OIDCClient | undefined>;
  /** Stores a registered client until `ttlSeconds` (or for good). */
  register(client: OIDCClient, ttlSeconds?: number): Promise<void>;
}

/** A validated authorization request: everything the code redirect needs. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  /** The `prompt` values (none, login, consent). */
  prompt: string[];
  loginHint?: string;
}

export interface Interaction extends AuthorizationRequest {
  id: string;
  /** Echoed by the login and consent forms (CSRF). */
  csrf: string;
  /** The user who signed in, once they have (the consent step must be theirs). */
  sub?: string;
  expiresAt: number;
}

export interface InteractionStore {
  create(request: AuthorizationRequest): Promise<Interaction>;
  get(id: string): Promise<Interaction | null>;
  save(interaction: Interaction): Promise<void>;
  delete(id: string): Promise<void>;
}
