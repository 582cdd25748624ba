/** covara/oidc — an OpenID Connect provider in your app: discovery, JWKS, authorization code + PKCE, tokens, userinfo, revocation, introspection. */
export { createOIDCProvider } from "./create-provider";
export type { OIDCProvider } from "./create-provider";
export type { OIDCEnv } from "./access-token-middleware";
export { redirectUriMatches } from "./redirect-uri";
export { computeAtHash } from "./token-issuer";
export type { AccessTokenClaims, ClientAuthMethod, GrantType, OIDCClient, OIDCProviderOptions, OIDCUser } from "./types";
