/**
 * `oidcProviders`: upstream configurations for well-known OpenID providers. Each builds the
 * issuer URL the provider documents, so its discovery document (and with it the endpoints and
 * keys) is found from the issuer alone. Every option of `FederatedProviderConfig` may be
 * overridden (label, scopes, authorizationParams, resolveUser, ...).
 */
import type { FederatedProviderConfig } from "../types";

/** What every preset takes: the client registered at the upstream, and optional overrides. */
export type PresetOptions = Omit<FederatedProviderConfig, "issuer" | "name"> & { name?: string };

export interface MicrosoftOptions extends PresetOptions {
  /**
   * "common" (work, school and personal accounts), "organizations", "consumers", or a tenant id
   * (a GUID; a tenant's domain name would not match the issuer its discovery names). Default "common".
   */
  tenant?: string;
}

export interface OktaOptions extends PresetOptions {
  /** The Okta org domain, e.g. "example.okta.com". */
  domain: string;
  /** A custom authorization server ("default" is Okta's built-in one); absent → the org authorization server. */
  authorizationServerId?: string;
}

export interface Auth0Options extends PresetOptions {
  /** The tenant domain, e.g. "example.eu.auth0.com" or a custom domain. */
  domain: string;
}

export interface KeycloakOptions extends PresetOptions {
  /** Where Keycloak is served, e.g. "https://sso.example.com" (or ".../auth" for old versions). */
  baseUrl: string;
  realm: string;
}

export interface CustomOptions extends Omit<FederatedProviderConfig, "name"> {
  name: string;
}

/** Microsoft's tenant of personal accounts: its discovery names this id rather than "consumers". */
const MICROSOFT_CONSUMERS_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function configError(message: string): TypeError {
  return new TypeError(`covara/oidc: ${message}`);
}

/** A bare host name from "example.com", "https://example.com/" or similar. */
function hostOf(domain: unknown, preset: string): string {
  if (typeof domain !== "string" || domain.trim() === "") throw configError(`oidcProviders.${preset} needs a domain`);
  const host = domain
    .trim()
    .replace(/^https?:\/\//i, "")
    .replace(/\/+$/, "");
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host))
    throw configError(`oidcProviders.${preset}: ${JSON.stringify(domain)} is not a domain`);
  return host.toLowerCase();
}

function segment(value: unknown, what: string): string {
  if (typeof value !== "string" || !/^[A-Za-z0-9._~-]+$/.test(value))
    throw configError(`${what} must be a non-empty URL path segment`);
  return value;
}

function preset(
  defaults: { name: string; label: string; issuer: string },
  options: PresetOptions,
): FederatedProviderConfig {
  const { name, label, ...rest } = options;
  return { ...rest, name: name ?? defaults.name, label: label ?? defaults.label, issuer: defaults.issuer };
}

/**
 * Accepts a tenant-specific issuer for Microsoft's multi-tenant endpoints: the discovered issuer
 * is ".../{tenantid}/v2.0", and the id_token's `iss` must be that with the token's own `tid`.
 */
export function microsoftTenantIssuer(
  iss: string,
  discoveredIssuer: string,
  claims: Readonly<Record<string, unknown>>,
): boolean {
  const tid = claims.tid;
  if (!discoveredIssuer.includes("{tenantid}") || typeof tid !== "string" || !GUID.test(tid)) return false;
  return iss === discoveredIssuer.replace("{tenantid}", tid);
}

export const oidcProviders = {
  /** Google accounts (https://accounts.google.com). */
  google(options: PresetOptions): FederatedProviderConfig {
    return preset({ name: "google", label: "Google", issuer: "https://accounts.google.com" }, options);
  },

  /** Microsoft Entra ID and personal Microsoft accounts (v2.0 endpoints). */
  microsoft(options: MicrosoftOptions): FederatedProviderConfig {
    const { tenant = "common", ...rest } = options;
    const id = segment(tenant, "oidcProviders.microsoft: tenant");
    if (!["common", "organizations", "consumers"].includes(id) && !GUID.test(id)) {
      throw configError(
        'oidcProviders.microsoft: tenant must be "common", "organizations", "consumers" or a tenant id (GUID)',
      );
    }
    const path = id === "consumers" ? MICROSOFT_CONSUMERS_TENANT : id;
    const multiTenant = id === "common" || id === "organizations";
    const config = preset(
      { name: "microsoft", label: "Microsoft", issuer: `https://login.microsoftonline.com/${path}/v2.0` },
      rest,
    );
    return multiTenant && config.validateIssuer === undefined
      ? { ...config, validateIssuer: microsoftTenantIssuer }
      : config;
  },

  /** Okta: the org authorization server, or a custom one (`authorizationServerId`, e.g. "default"). */
  okta(options: OktaOptions): FederatedProviderConfig {
    const { domain, authorizationServerId, ...rest } = options;
    const host = hostOf(domain, "okta");
    const server =
      authorizationServerId === undefined
        ? ""
        : `/oauth2/${segment(authorizationServerId, "oidcProviders.okta: authorizationServerId")}`;
    return preset({ name: "okta", label: "Okta", issuer: `https://${host}${server}` }, rest);
  },

  /** Auth0 (its issuer ends with a slash). */
  auth0(options: Auth0Options): FederatedProviderConfig {
    const { domain, ...rest } = options;
    return preset({ name: "auth0", label: "Auth0", issuer: `https://${hostOf(domain, "auth0")}/` }, rest);
  },

  /** A Keycloak realm. */
  keycloak(options: KeycloakOptions): FederatedProviderConfig {
    const { baseUrl, realm, ...rest } = options;
    if (typeof baseUrl !== "string" || !URL.canParse(baseUrl))
      throw configError("oidcProviders.keycloak needs an absolute baseUrl");
    const base = baseUrl.replace(/\/+$/, "");
    return preset(
      {
        name: "keycloak",
        label: "Keycloak",
        issuer: `${base}/realms/${encodeURIComponent(segment(realm, "oidcProviders.keycloak: realm"))}`,
      },
      rest,
    );
  },

  /** Any OpenID provider with a discovery document at <issuer>/.well-known/openid-configuration. */
  custom(options: CustomOptions): FederatedProviderConfig {
    return { ...options };
  },
};
