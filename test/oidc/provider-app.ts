/**
 * A test app around the OIDC provider: the "browser" is signed in when it sends `x-test-user`
 * (standing in for the app's session middleware), the provider is mounted at /oidc, and /api/me
 * sits behind the provider's access-token middleware.
 */
import { Hono } from "hono";
import { errorHandler } from "../../src/kernel/error-handler";
import { startServer, type CovaraServer } from "../../src/node";
import { generateJwtKey } from "../../src/auth";
import {
  createOIDCProvider,
  type OIDCEnv,
  type OIDCProvider,
  type OIDCProviderOptions,
  type OIDCUser,
} from "../../src/oidc";

export const USERS: Record<string, OIDCUser> = {
  alice: { id: "alice", email: "alice@example.com", emailVerified: true, name: "Alice" },
  bob: { id: "bob", email: "bob@example.com", name: "Bob" },
};

export const CALLBACK = "https://rp.example.com/callback";

export const DEFAULT_CLIENTS: OIDCProviderOptions["clients"] = [
  { id: "spa", redirectUris: [CALLBACK], tokenEndpointAuthMethod: "none", skipConsent: true },
  {
    id: "web",
    secret: "web-secret-0123456789",
    redirectUris: [CALLBACK, "https://rp.example.com/cb?tenant=a"],
    grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
    skipConsent: true,
  },
  {
    id: "post",
    secret: "post-secret-0123456789",
    redirectUris: [CALLBACK],
    tokenEndpointAuthMethod: "client_secret_post",
    skipConsent: true,
  },
];

/**
 * Signing keys made once per test file: RSA key generation costs hundreds of milliseconds, and
 * most tests do not care whose keys they are. A second set lets two providers in one test (an
 * upstream and a downstream) sign with different keys.
 */
export const TEST_KEYS = await Promise.all([generateJwtKey("RS256"), generateJwtKey("ES256")]);
export const OTHER_TEST_KEYS = await Promise.all([generateJwtKey("RS256"), generateJwtKey("ES256")]);

/** Builds the app for `issuer`; options override the defaults. */
export function buildApp(
  issuer: string,
  options: Partial<OIDCProviderOptions> = {},
): { app: Hono<OIDCEnv>; provider: OIDCProvider } {
  const provider = createOIDCProvider({
    issuer,
    clients: DEFAULT_CLIENTS,
    keys: TEST_KEYS,
    getUser: (id) => USERS[id] ?? null,
    ...options,
  });
  const app = new Hono<OIDCEnv>();
  app.onError(errorHandler);
  app.use("/oidc/*", async (c, next) => {
    const id = c.req.header("x-test-user");
    if (id !== undefined && USERS[id]) c.set("user", USERS[id]);
    await next();
  });
  app.route("/oidc", provider.router);
  app.use("/api/*", provider.middleware);
  app.get("/api/me", (c) => c.json({ user: c.get("user") ?? null, token: c.get("oidcToken") ?? null }));
  return { app, provider };
}

export const LOCAL_ISSUER = "http://provider.test/oidc";

/** The app with an in-process issuer, driven through app.request. */
export function localApp(options: Partial<OIDCProviderOptions> = {}) {
  return buildApp(LOCAL_ISSUER, options);
}

/** The app served on a real loopback port; the issuer is the server's own URL. */
export async function servedApp(
  options: Partial<OIDCProviderOptions> = {},
): Promise<{ server: CovaraServer; issuer: string; provider: OIDCProvider }> {
  let built: ReturnType<typeof buildApp> | undefined;
  const server = await startServer(
    { fetch: (request: Request) => built!.app.fetch(request) },
    { port: 0, hostname: "127.0.0.1", shutdown: false },
  );
  const issuer = `${server.url}/oidc`;
  built = buildApp(issuer, options);
  await built.provider.ready;
  return { server, issuer, provider: built.provider };
}

/** base64url SHA-256 of a PKCE verifier. */
export async function s256(verifier: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...hash))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export const VERIFIER = "a".repeat(20) + "-verifier-" + "b".repeat(20);

/** Runs /authorize as a signed-in browser and returns the code from the redirect. */
export async function authorizeCode(
  app: Hono<OIDCEnv>,
  params: Record<string, string>,
  user = "alice",
): Promise<string> {
  const query = new URLSearchParams({
    response_type: "code",
    redirect_uri: CALLBACK,
    scope: "openid profile email",
    state: "st",
    ...params,
  });
  const response = await app.request(`/oidc/authorize?${query}`, { headers: { "x-test-user": user } });
  if (response.status !== 302) throw new Error(`authorize answered ${response.status}: ${await response.text()}`);
  const code = new URL(response.headers.get("location")!).searchParams.get("code");
  if (!code) throw new Error(`no code in ${response.headers.get("location")}`);
  return code;
}

/** POSTs a form to an endpoint of the local app. */
export function postForm(
  app: Hono<OIDCEnv>,
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return app.request(`/oidc${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/** A Basic authorization header for a client. */
export function basic(id: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}` };
}

/** An authorization request URL with PKCE (S256 of VERIFIER), as a relying party builds it. */
export async function authorizationRequest(issuer: string, params: Record<string, string> = {}): Promise<string> {
  const query = new URLSearchParams({
    response_type: "code",
    client_id: "spa",
    redirect_uri: CALLBACK,
    scope: "openid profile email",
    state: "rp-state",
    nonce: "rp-nonce",
    code_challenge: await s256(VERIFIER),
    code_challenge_method: "S256",
    ...params,
  });
  return `${issuer}/authorize?${query}`;
}
