/**
 * OAuth error responses (RFC 6749 §5.2): a JSON `{ error, error_description }` body, never
 * cached. The OAuth endpoints answer in this shape because OAuth clients parse it.
 */

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "unsupported_response_type"
  | "access_denied"
  | "login_required"
  | "consent_required"
  | "interaction_required"
  | "invalid_client_metadata"
  | "invalid_redirect_uri"
  | "temporarily_unavailable"
  | "invalid_token";

/** An OAuth error a handler throws; the provider's error handler turns it into a response. */
export class OAuthError extends Error {
  override readonly name = "OAuthError";
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = error === "invalid_client" || error === "invalid_token" ? 401 : 400,
  ) {
    super(description);
  }
}

/** The JSON response for an OAuth error. */
export function oauthErrorResponse(error: OAuthError): Response {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "cache-control": "no-store",
    pragma: "no-cache",
  };
  if (error.error === "invalid_client") headers["www-authenticate"] = 'Basic realm="oidc"';
  if (error.error === "invalid_token") headers["www-authenticate"] = `Bearer error="invalid_token"`;
  return new Response(JSON.stringify({ error: error.error, error_description: error.description }), {
    status: error.status,
    headers,
  });
}
