/** Redeems the upstream's authorization code at its token endpoint (with the PKCE verifier and the same redirect_uri). */
import type { CheckedUpstream } from "./config";
import type { UpstreamMetadata } from "./upstream-metadata";
import { loginFailed, readJsonObject, upstreamFetch, upstreamUnavailable } from "./upstream-http";

export interface UpstreamTokens {
  accessToken: string;
  idToken: string;
}

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined for Basic. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, "+");
}

/** The client authentication method this provider uses at the upstream. */
export function upstreamAuthMethod(upstream: CheckedUpstream): "client_secret_basic" | "client_secret_post" | "none" {
  return upstream.config.tokenEndpointAuthMethod ?? (upstream.config.clientSecret ? "client_secret_basic" : "none");
}

/** Exchanges `code`; refusals and malformed answers are problems, never a sign-in. */
export async function exchangeCode(
  upstream: CheckedUpstream,
  metadata: UpstreamMetadata,
  code: string,
  redirectUri: string,
  codeVerifier: string,
): Promise<UpstreamTokens> {
  const { clientId, clientSecret } = upstream.config;
  const label = upstream.config.label ?? upstream.config.name;
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri,
    code_verifier: codeVerifier,
  });
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  const method = upstreamAuthMethod(upstream);
  if (method === "client_secret_basic") {
    headers.authorization = `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret ?? "")}`)}`;
  } else {
    form.set("client_id", clientId);
    if (method === "client_secret_post") form.set("client_secret", clientSecret ?? "");
  }
  const response = await upstreamFetch(label, "token endpoint", metadata.tokenEndpoint, {
    method: "POST",
    headers,
    body: form.toString(),
  });
  const body = await readJsonObject(response);
  // A 4xx is the upstream refusing this code (expired, reused, wrong client): the login fails.
  if (response.status >= 400 && response.status < 500) throw loginFailed(label, "token-refused");
  if (!response.ok) throw upstreamUnavailable(label, `token endpoint answered ${response.status}`);
  if (!body) throw upstreamUnavailable(label, "token response is not a JSON object");
  const { access_token: accessToken, id_token: idToken, token_type: tokenType } = body;
  if (
    typeof accessToken !== "string" ||
    accessToken === "" ||
    typeof tokenType !== "string" ||
    tokenType.toLowerCase() !== "bearer"
  ) {
    throw loginFailed(label, "token-response");
  }
  // Asking for `openid` obliges the upstream to return an id_token; without it nothing proves who signed in.
  if (typeof idToken !== "string" || idToken === "") throw loginFailed(label, "token-response");
  return { accessToken, idToken };
}
