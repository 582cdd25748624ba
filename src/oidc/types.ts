/** Options and shapes of the OIDC provider; implementations live in their own files. */
import type { KV } from "../kernel/kv";
import type { ClientIpOptions, JwtKeyInput } from "../auth";
import type { JwtAlgorithm } from "../kernel/crypto/algorithms";
import type { CovaraUser } from "../kernel/http";
import type { FederatedProviderConfig, PassportBackendConfig } from "./federation/types";
import type { ConsentPageView, LoginPageView, LogoutPageView } from "./pages";
import type { RateLimitingOptions } from "./rate-limit";
import type { RegistrationOptions } from "./registration";

/** How a client proves who it is at the token endpoint. `none` makes it a public client. */
export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "client_secret_jwt" | "private_key_jwt" | "none";

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

export interface OIDCProviderOptions {
  /** The issuer identifier: the public URL the router is mounted at (no trailing slash). */
  issuer: string;
  clients: readonly OIDCClient[];
  /**
   * Signing keys (the first of each algorithm signs), or `{ algorithm: "RS256" }` for one key of
   * that algorithm generated at start. Default: one RS256 and one ES256 key generated at start.
   */
  keys?: readonly JwtKeyInput[] | { algorithm: JwtAlgorithm };
  /** Where clients, codes, tokens, consents, interactions and sessions live (default: the global KV, else memory). */
  kv?: KV;
  /** Key prefix inside the KV (default "oidc:"). */
  kvPrefix?: string;
  /** `{ type: "memory" }` keeps every store in this process's memory even when a global KV is registered. */
  stores?: { type?: "kv" | "memory" };
  /** Loads a user by id, for /userinfo, refresh and the access-token middleware (default: backends.emailPassword.findUserById). */
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
  /** Signs the provider's short-lived cookies (default: random per process; set one when several instances serve logins). */
  cookieSecret?: string;
  tokens?: {
    accessToken?: { ttlSeconds?: number };
    idToken?: { ttlSeconds?: number };
    refreshToken?: { ttlSeconds?: number; rotateOnUse?: boolean };
    authorizationCode?: { ttlSeconds?: number };
  };
  security?: {
    pkce?: { required?: boolean };
    /** Consents expire after this many seconds (default one year). */
    consent?: { ttlSeconds?: number };
    /** How the client address is found behind proxies (for rate limits and login throttling). */
    clientIp?: ClientIpOptions;
    /** Failed logins on the login page per IP (default 5 per 15 minutes); false switches it off. */
    loginThrottle?: { max: number; windowSeconds: number } | false;
    /** Per-client/IP limits on /token, /jwks and /introspect; off unless set. */
    rateLimiting?: RateLimitingOptions;
  };
  /** The `aud` of access tokens, checked by the middleware (default: the issuer). */
  accessTokenAudience?: string;
  /** Accepted clock skew when validating access tokens, in seconds (default 30). */
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
