/**
 * Test helpers for dynamically registered clients: registering one, and the authorize → consent →
 * code round trip they need (registered clients always ask for consent).
 */
import type { Hono } from "hono";
import type { OIDCEnv } from "../../src/oidc";
import { CALLBACK } from "./provider-app";

export interface RegistrationResponse {
  client_id: string;
  client_secret?: string;
  client_id_issued_at: number;
  client_secret_expires_at?: number;
  redirect_uris: string[];
  grant_types: string[];
  token_endpoint_auth_method: string;
  [member: string]: unknown;
}

/** POSTs registration metadata to /oidc/register. */
export function postRegistration(app: Hono<OIDCEnv>, body: unknown, headers: Record<string, string> = {}) {
  return app.request("/oidc/register", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Registers a client and returns the 201 body; throws on any other answer. */
export async function registerClient(
  app: Hono<OIDCEnv>,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RegistrationResponse> {
  const response = await postRegistration(app, body, headers);
  if (response.status !== 201) throw new Error(`register answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as RegistrationResponse;
}

/** The `name=value` pairs of a response's Set-Cookie headers, as a Cookie header. */
export function cookiesOf(response: Response, earlier = ""): string {
  const jar = new Map(
    earlier
      .split("; ")
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair] as const),
  );
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(";")[0]!;
    jar.set(pair.slice(0, pair.indexOf("=")), pair);
  }
  return [...jar.values()].join("; ");
}

function pathOf(location: string): string {
  const url = new URL(location);
  return url.pathname + url.search;
}

/** Runs /authorize for a client that needs consent, allows it on the consent page, and returns the code. */
export async function codeAfterConsent(
  app: Hono<OIDCEnv>,
  params: Record<string, string>,
  user = "alice",
): Promise<string> {
  const query = new URLSearchParams({
    response_type: "code",
    redirect_uri: CALLBACK,
    scope: "openid profile",
    state: "st",
    ...params,
  });
  const authorize = await app.request(`/oidc/authorize?${query}`, { headers: { "x-test-user": user } });
  if (authorize.status !== 302) throw new Error(`authorize answered ${authorize.status}: ${await authorize.text()}`);
  const consentUrl = authorize.headers.get("location")!;
  if (!consentUrl.includes("/consent")) throw new Error(`authorize did not ask for consent: ${consentUrl}`);
  const cookie = cookiesOf(authorize);
  const page = await app.request(pathOf(consentUrl), { headers: { "x-test-user": user, cookie } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error(`no csrf field on the consent page (${page.status})`);
  const decision = await app.request(pathOf(consentUrl), {
    method: "POST",
    headers: {
      "x-test-user": user,
      cookie,
      "content-type": "application/x-www-form-urlencoded",
      origin: new URL(consentUrl).origin,
    },
    body: new URLSearchParams({ csrf, decision: "allow" }).toString(),
  });
  const location = decision.headers.get("location");
  const code = location === null ? null : new URL(location).searchParams.get("code");
  if (!code) throw new Error(`consent answered ${decision.status} ${location ?? (await decision.text())}`);
  return code;
}
