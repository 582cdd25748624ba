/** Checks `backends.federated` once, when the provider is created, so a typo fails at start and not at a user's login. */
import type { OIDCBackends, ResolveExternalUser } from "../types";
import type { FederatedProviderConfig } from "../types";

/** An upstream whose configuration passed the checks, with its user resolver settled. */
export interface CheckedUpstream {
  config: FederatedProviderConfig;
  /** The issuer without trailing slashes, for building the discovery URL. */
  discoveryUrl: string;
  resolveUser: ResolveExternalUser;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const AUTH_METHODS = new Set(["client_secret_basic", "client_secret_post", "none"]);
/** Parameters the provider sets itself; letting configuration override them would undo state, nonce or PKCE. */
const RESERVED_PARAMS = new Set([
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
]);

function configError(message: string): TypeError {
  return new TypeError(`covara/oidc: ${message}`);
}

function checkOne(upstream: FederatedProviderConfig, fallback: ResolveExternalUser | undefined): CheckedUpstream {
  if (typeof upstream !== "object" || upstream === null)
    throw configError("each backends.federated entry must be an object");
  const label = typeof upstream.name === "string" ? `federated upstream "${upstream.name}"` : "a federated upstream";
  if (typeof upstream.name !== "string" || !NAME.test(upstream.name)) {
    throw configError(`${label}: name must be 1-64 letters, digits, "-" or "_" (it becomes a URL path segment)`);
  }
  if (typeof upstream.clientId !== "string" || upstream.clientId === "")
    throw configError(`${label}: clientId is required`);
  if (typeof upstream.issuer !== "string" || upstream.issuer === "") throw configError(`${label}: issuer is required`);
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(upstream.issuer);
  } catch {
    throw configError(`${label}: issuer must be an absolute URL`);
  }
  if (issuerUrl.protocol !== "https:" && issuerUrl.protocol !== "http:")
    throw configError(`${label}: issuer must be an http(s) URL`);
  if (issuerUrl.search !== "" || issuerUrl.hash !== "")
    throw configError(`${label}: issuer must not carry a query or fragment`);
  const method = upstream.tokenEndpointAuthMethod;
  if (method !== undefined && !AUTH_METHODS.has(method))
    throw configError(`${label}: unknown tokenEndpointAuthMethod ${JSON.stringify(method)}`);
  if ((method === "client_secret_basic" || method === "client_secret_post") && !upstream.clientSecret) {
    throw configError(`${label}: ${method} needs a clientSecret`);
  }
  if (upstream.scopes !== undefined && (!Array.isArray(upstream.scopes) || !upstream.scopes.includes("openid"))) {
    throw configError(`${label}: scopes must include "openid"`);
  }
  for (const name of Object.keys(upstream.authorizationParams ?? {})) {
    if (RESERVED_PARAMS.has(name))
      throw configError(`${label}: authorizationParams may not set "${name}" (the provider sets it)`);
  }
  if (upstream.validateIssuer !== undefined && typeof upstream.validateIssuer !== "function")
    throw configError(`${label}: validateIssuer must be a function`);
  const resolveUser = upstream.resolveUser ?? fallback;
  if (typeof resolveUser !== "function")
    throw configError(`${label}: backends.findOrCreateUser (or the upstream's resolveUser) is required`);
  return {
    config: upstream,
    discoveryUrl: `${upstream.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`,
    resolveUser,
  };
}

/** The checked upstreams of `backends.federated`; throws a TypeError naming the first problem. */
export function checkFederatedBackends(backends: OIDCBackends): CheckedUpstream[] {
  const federated = backends.federated;
  if (federated === undefined) return [];
  if (!Array.isArray(federated)) throw configError("backends.federated must be an array");
  const seen = new Set<string>();
  return federated.map((upstream: FederatedProviderConfig) => {
    const checked = checkOne(upstream, backends.findOrCreateUser);
    if (seen.has(checked.config.name))
      throw configError(`federated upstream "${checked.config.name}" is configured twice`);
    seen.add(checked.config.name);
    return checked;
  });
}
