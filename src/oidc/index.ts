/** covara/oidc — an OpenID Connect provider in your app: discovery, JWKS, authorization code + PKCE, tokens, userinfo, revocation, introspection, login and consent pages, logout, registration, federated login. */
export { createOIDCProvider } from "./create-provider";
export { OIDC_PROBLEM_TYPES } from "./problems";
export type { OIDCProvider } from "./create-provider";
export type { OIDCEnv } from "./access-token-middleware";
export { redirectUriMatches } from "./redirect-uri";
export { computeAtHash } from "./token-issuer";
export type {
  AccessTokenClaims,
  ClientAuthMethod,
  GrantType,
  OIDCClient,
  OIDCProviderOptions,
  OIDCUser,
} from "./types";
export { createOIDCResourceMiddleware } from "./resource-server";
export type { OIDCResourceMiddlewareOptions } from "./resource-server";
export type { RegistrationOptions } from "./types";
export type { EndpointLimit, RateLimitingOptions } from "./types";
export { oidcProviders, microsoftTenantIssuer } from "./federation/presets";
export type {
  Auth0Options,
  CustomOptions,
  KeycloakOptions,
  MicrosoftOptions,
  OktaOptions,
  PresetOptions,
} from "./federation/presets";
export type { FederatedProviderConfig } from "./types";
export type { ExternalProfile, OIDCBackends, ResolveExternalUser } from "./types";
export { escapeHtml } from "../kernel/html";
export type { ConsentPageView, LoginPageView, LogoutPageView, UpstreamLink } from "./types";
export type { EmailPasswordBackend, OIDCPages } from "./types";
