/** The provider's resolved configuration, shared by every endpoint; defaults live here only. */
import type { Context } from "hono";
import type { Throttle } from "../kernel/throttle";
import type { KV } from "../kernel/kv";
import type { ClientStore } from "./types";
import type { ConsentStore } from "./consents";
import type { GrantStore } from "./grant-store";
import type { InteractionStore } from "./types";
import type { ProviderSessionStore } from "./provider-session";
import type { RateLimitingOptions } from "./types";
import type { ProviderKeys } from "./signing-keys";
import type { GrantType, OIDCBackends, OIDCClient, OIDCPages, OIDCProviderOptions, OIDCUser } from "./types";

export const SUPPORTED_SCOPES = ["openid", "profile", "email", "offline_access"] as const;

export interface ProviderContext {
  issuer: string;
  clients: ClientStore;
  keys: ProviderKeys;
  grants: GrantStore;
  sessions: ProviderSessionStore;
  interactions: InteractionStore;
  consents: ConsentStore;
  /** The KV every store uses (the explicit one, else the global one, else memory). */
  kv: KV;
  kvPrefix: string;
  getUser: (id: string) => Promise<OIDCUser | null>;
  loginUrl?: string;
  backends: OIDCBackends;
  pages: OIDCPages;
  /** Signs the provider's short-lived cookies (e.g. an upstream login's state). */
  cookieSecret: string;
  onLogout?: (userId: string) => Promise<void> | void;
  /** The client's address, proxies taken into account. */
  clientIp: (c: Context) => string;
  /** Counts failed logins on the login page. */
  loginThrottle: Throttle;
  accessTokenTtl: number;
  idTokenTtl: number;
  refreshTokenTtl: number;
  rotateRefreshTokens: boolean;
  codeTtl: number;
  pkceRequiredForAll: boolean;
  accessTokenAudience: string;
  clockSkewSeconds: number;
  consentTtl: number;
  sessionTtl: number;
  interactionTtl: number;
  rateLimiting?: RateLimitingOptions;
}

/** True when the provider signs users in itself (login page) rather than through the app. */
export function hasOwnLogin(ctx: ProviderContext): boolean {
  const { emailPassword, federated, passport } = ctx.backends;
  return (
    (emailPassword !== undefined && emailPassword.enabled !== false) ||
    (federated?.length ?? 0) > 0 ||
    (passport?.length ?? 0) > 0
  );
}

/** The grant types a client may use. */
export function clientGrantTypes(client: OIDCClient): readonly GrantType[] {
  return client.grantTypes ?? ["authorization_code", "refresh_token"];
}

/** Resolves the options' defaults (everything but keys, KV and stores). */
export function resolveSettings(options: OIDCProviderOptions) {
  return {
    issuer: options.issuer.replace(/\/+$/, ""),
    loginUrl: options.loginUrl,
    accessTokenTtl: options.tokens?.accessToken?.ttlSeconds ?? 3600,
    idTokenTtl: options.tokens?.idToken?.ttlSeconds ?? 3600,
    refreshTokenTtl: options.tokens?.refreshToken?.ttlSeconds ?? 30 * 24 * 3600,
    rotateRefreshTokens: options.tokens?.refreshToken?.rotateOnUse ?? true,
    codeTtl: options.tokens?.authorizationCode?.ttlSeconds ?? 60,
    pkceRequiredForAll: options.security?.pkce?.required ?? false,
    accessTokenAudience: options.accessTokenAudience ?? options.issuer.replace(/\/+$/, ""),
    clockSkewSeconds: options.clockSkewSeconds ?? 30,
    consentTtl: options.security?.consent?.ttlSeconds ?? 365 * 24 * 3600,
    sessionTtl: options.session?.ttlSeconds ?? 14 * 24 * 3600,
    interactionTtl: options.interactions?.ttlSeconds ?? 15 * 60,
    rateLimiting: options.security?.rateLimiting,
  };
}
