/** Options and shapes of the OIDC provider; implementations live in their own files. */
import type { KV } from "../kernel/kv";
import type { JwtKeyInput } from "../auth";
import type { CovaraUser } from "../resource";

/** How a client proves who it is at the token endpoint. `none` makes it a public client. */
export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "none";

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
  /** Scopes this client may ask for (default: every supported scope). */
  scopes?: readonly string[];
}

/** The claims a user contributes to id_tokens and /userinfo. */
export interface OIDCUser extends CovaraUser {
  id: string | number;
  email?: string | null;
  emailVerified?: Date | boolean | null;
  name?: string | null;
  image?: string | null;
}

export interface OIDCProviderOptions {
  /** The issuer identifier: the public URL the router is mounted at (no trailing slash). */
  issuer: string;
  clients: readonly OIDCClient[];
  /** Signing keys (first of each algorithm signs). Default: one RS256 and one ES256 key generated at start. */
  keys?: readonly JwtKeyInput[];
  /** Where codes, refresh tokens and revocations live (default: an in-memory KV). */
  kv?: KV;
  /** Key prefix inside the KV (default "oidc:"). */
  kvPrefix?: string;
  /** Loads a user by id, for /userinfo, refresh and the access-token middleware. */
  getUser: (id: string) => Promise<OIDCUser | null> | OIDCUser | null;
  /** Where /authorize sends a visitor who is not signed in (`return_to` is appended); absent → 401. */
  loginUrl?: string;
  tokens?: {
    accessToken?: { ttlSeconds?: number };
    idToken?: { ttlSeconds?: number };
    refreshToken?: { ttlSeconds?: number; rotateOnUse?: boolean };
    authorizationCode?: { ttlSeconds?: number };
  };
  security?: {
    pkce?: { required?: boolean };
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
