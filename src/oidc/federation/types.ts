/** Configuration of upstream identity providers: federated OpenID providers and Passport strategies. */
import type { PassportStrategyLike } from "../../auth/features/social/passport-shim";
import type { ExternalProfile, ResolveExternalUser } from "../types";

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
