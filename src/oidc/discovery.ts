/** The discovery document (OpenID Connect Discovery 1.0 §3), advertising only what is built. */
import type { ProviderContext } from "./context";
import { SUPPORTED_SCOPES } from "./context";
import { ASSERTION_ALGORITHMS } from "./client-assertion";
import type { ClientAuthMethod, OIDCProviderOptions } from "./types";

const CLIENT_AUTH_METHODS: ClientAuthMethod[] = [
  "client_secret_basic",
  "client_secret_post",
  "client_secret_jwt",
  "private_key_jwt",
  "none",
];

/** The provider metadata served at /.well-known/openid-configuration. */
export function discoveryDocument(
  ctx: ProviderContext,
  options: Pick<OIDCProviderOptions, "registration">,
): Record<string, unknown> {
  const base = ctx.issuer;
  return {
    issuer: base,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    userinfo_endpoint: `${base}/userinfo`,
    jwks_uri: `${base}/jwks`,
    revocation_endpoint: `${base}/revoke`,
    introspection_endpoint: `${base}/introspect`,
    end_session_endpoint: `${base}/logout`,
    ...(options.registration?.enabled ? { registration_endpoint: `${base}/register` } : {}),
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    scopes_supported: [...SUPPORTED_SCOPES],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ctx.keys.algorithms(),
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    token_endpoint_auth_signing_alg_values_supported: [
      ...ASSERTION_ALGORITHMS.private_key_jwt,
      ...ASSERTION_ALGORITHMS.client_secret_jwt,
    ],
    code_challenge_methods_supported: ["S256"],
    claims_supported: [
      "sub",
      "iss",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "nonce",
      "at_hash",
      "azp",
      "name",
      "picture",
      "email",
      "email_verified",
    ],
    authorization_response_iss_parameter_supported: true,
    prompt_values_supported: ["none", "login", "consent"],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
}
