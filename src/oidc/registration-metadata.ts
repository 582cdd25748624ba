/**
 * Validating RFC 7591 client metadata. Only what the provider implements is accepted: the code
 * flow, refresh and client credentials, the three secret-less or secret-based auth methods, and
 * redirect URIs that are https (or http on the loopback host, for native and development clients).
 * Unknown members are ignored, as RFC 7591 §2 allows; a known member with a bad value is refused.
 */
import { SUPPORTED_SCOPES } from "./context";
import { OAuthError } from "./oauth-error";
import type { ClientAuthMethod, GrantType } from "./types";

/** The metadata a registered client gets, with defaults filled in; echoed in the 201 response. */
export interface RegisteredMetadata {
  redirect_uris: string[];
  grant_types: GrantType[];
  response_types: "code"[];
  token_endpoint_auth_method: ClientAuthMethod;
  client_name?: string;
  scope?: string;
  post_logout_redirect_uris?: string[];
  /** The public keys of a `private_key_jwt` client. */
  jwks?: { keys: JsonWebKey[] };
}

const GRANT_TYPES: readonly GrantType[] = ["authorization_code", "refresh_token", "client_credentials"];
// client_secret_jwt is left out: it needs the secret itself, and registered secrets are only kept hashed.
const AUTH_METHODS: readonly ClientAuthMethod[] = [
  "client_secret_basic",
  "client_secret_post",
  "private_key_jwt",
  "none",
];
const MAX_KEYS = 10;
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const MAX_URIS = 20;
const MAX_URI_LENGTH = 2000;
const MAX_NAME_LENGTH = 200;

function invalid(description: string): OAuthError {
  return new OAuthError("invalid_client_metadata", description);
}

/** Why `uri` cannot be a redirect target, or undefined when it can. */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length > MAX_URI_LENGTH) return "is too long";
  if (!URL.canParse(uri)) return "is not an absolute URL";
  const url = new URL(uri);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname))) {
    return "must use https (http only on localhost, 127.0.0.1 or [::1])";
  }
  // The parser drops an empty "#", so the raw string is checked too.
  if (uri.includes("#")) return "must not have a fragment";
  if (url.username !== "" || url.password !== "") return "must not carry user information";
  return undefined;
}

function stringList(body: Record<string, unknown>, name: string): string[] | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === "string"))
    throw invalid(`${name} must be an array of strings`);
  return [...new Set(value as string[])];
}

function uriList(body: Record<string, unknown>, name: string): string[] | undefined {
  const uris = stringList(body, name);
  if (uris === undefined) return undefined;
  if (uris.length > MAX_URIS) throw new OAuthError("invalid_redirect_uri", `${name} may list at most ${MAX_URIS} URIs`);
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem)
      throw new OAuthError("invalid_redirect_uri", `${JSON.stringify(uri.slice(0, 200))} in ${name} ${problem}`);
  }
  return uris;
}

function subset<T extends string>(values: string[], allowed: readonly T[], name: string): T[] {
  const unknown = values.find((value) => !(allowed as readonly string[]).includes(value));
  if (unknown !== undefined)
    throw invalid(`${name} may only contain ${allowed.join(", ")} (got ${JSON.stringify(unknown.slice(0, 100))})`);
  return values as T[];
}

function optionalString(body: Record<string, unknown>, name: string, maxLength: number): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "" || value.length > maxLength)
    throw invalid(`${name} must be a non-empty string of at most ${maxLength} characters`);
  return value;
}

/** Validates a registration request body; throws `invalid_client_metadata` or `invalid_redirect_uri`. */
export function validateRegistrationMetadata(body: Record<string, unknown>): RegisteredMetadata {
  // RFC 7591 §2 defaults: the code flow, and a secret sent in the Basic header.
  const grantTypes = subset(stringList(body, "grant_types") ?? ["authorization_code"], GRANT_TYPES, "grant_types");
  if (grantTypes.length === 0) throw invalid("grant_types must name at least one grant");
  const usesCode = grantTypes.includes("authorization_code");
  if (grantTypes.includes("refresh_token") && !usesCode)
    throw invalid("refresh_token needs the authorization_code grant");

  const responseTypes = subset(
    stringList(body, "response_types") ?? (usesCode ? ["code"] : []),
    ["code"] as const,
    "response_types",
  );
  if (responseTypes.includes("code") !== usesCode)
    throw invalid("response_types code and grant_types authorization_code go together");

  const method = body.token_endpoint_auth_method ?? "client_secret_basic";
  if (typeof method !== "string" || !(AUTH_METHODS as readonly string[]).includes(method)) {
    throw invalid(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(", ")}`);
  }
  if (method === "none" && grantTypes.includes("client_credentials"))
    throw invalid("A public client (auth method none) cannot use client_credentials");

  const jwks = method === "private_key_jwt" ? publicJwks(body.jwks) : undefined;
  if (method !== "private_key_jwt" && body.jwks !== undefined)
    throw invalid("jwks is only used with token_endpoint_auth_method private_key_jwt");

  const redirectUris = uriList(body, "redirect_uris") ?? [];
  if (usesCode && redirectUris.length === 0)
    throw new OAuthError("invalid_redirect_uri", "redirect_uris is required for the authorization_code grant");

  const scopeText = optionalString(body, "scope", 1000);
  const scopes = scopeText === undefined ? undefined : [...new Set(scopeText.split(" ").filter(Boolean))];
  if (scopes !== undefined) subset(scopes, SUPPORTED_SCOPES, "scope");

  const name = optionalString(body, "client_name", MAX_NAME_LENGTH);
  const postLogout = uriList(body, "post_logout_redirect_uris");
  return {
    redirect_uris: redirectUris,
    grant_types: grantTypes,
    response_types: responseTypes,
    token_endpoint_auth_method: method as ClientAuthMethod,
    ...(name === undefined ? {} : { client_name: name }),
    ...(scopes === undefined ? {} : { scope: scopes.join(" ") }),
    ...(postLogout === undefined ? {} : { post_logout_redirect_uris: postLogout }),
    ...(jwks === undefined ? {} : { jwks }),
  };
}

/** The `jwks` of a private_key_jwt registration: 1–10 public keys (usability is checked when they are imported). */
function publicJwks(value: unknown): { keys: JsonWebKey[] } {
  const keys = (value as { keys?: unknown } | null | undefined)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS)
    throw invalid(`private_key_jwt needs jwks with 1 to ${MAX_KEYS} public keys`);
  for (const key of keys) {
    if (
      typeof key !== "object" ||
      key === null ||
      Array.isArray(key) ||
      typeof (key as { kty?: unknown }).kty !== "string"
    )
      throw invalid("every jwks entry must be a JWK object");
    if (PRIVATE_MEMBERS.some((member) => member in key))
      throw invalid("jwks must hold public keys only (and never a symmetric key)");
  }
  return { keys: keys as JsonWebKey[] };
}
