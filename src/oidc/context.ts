/** The provider's resolved configuration, shared by every endpoint; defaults live here only. */
import type { KV } from "../kernel/kv";
import type { GrantStore } from "./grant-store";
import type { ProviderKeys } from "./signing-keys";
import type { GrantType, OIDCClient, OIDCProviderOptions, OIDCUser } from "./types";

export const SUPPORTED_SCOPES = ["openid", "profile", "email", "offline_access"] as const;

export interface ProviderContext {
  issuer: string;
  clients: ReadonlyMap<string, OIDCClient>;
  keys: ProviderKeys;
  grants: GrantStore;
  kv: KV;
  getUser: (id: string) => Promise<OIDCUser | null>;
  loginUrl?: string;
  accessTokenTtl: number;
  idTokenTtl: number;
  refreshTokenTtl: number;
  rotateRefreshTokens: boolean;
  codeTtl: number;
  pkceRequiredForAll: boolean;
  accessTokenAudience: string;
  clockSkewSeconds: number;
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
  };
}
