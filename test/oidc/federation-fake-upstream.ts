/**
 * A hand-written upstream OpenID provider for the federation attack cases: a real HTTP server
 * whose discovery, JWKS, token and userinfo answers each test controls. /authorize signs in at
 * once and remembers the nonce it was sent, so the id_token can carry it (or not).
 */
import { Hono } from "hono";
import { exportPublicJwk, generateJwtKey, importJwtKey, signJwt, type JwtKey } from "../../src/auth";
import { startServer, type CovaraServer } from "../../src/node";

/** What the next login at the fake upstream answers; every field is optional. */
export interface FakeScenario {
  /** Claims merged over the correct ones (undefined values remove a claim). */
  claims?: Record<string, unknown>;
  /** Sign the id_token with a key the JWKS does not publish, or with no signature at all. */
  signWith?: "published" | "unpublished" | "none" | "hs256";
  /** The userinfo `sub` (default: the id_token's). */
  userinfoSub?: string;
  /** The discovery document's `issuer` (default: the real one). */
  discoveryIssuer?: string;
  /** The token endpoint's status and body instead of tokens. */
  tokenAnswer?: { status: number; body: unknown };
}

export interface FakeUpstream {
  server: CovaraServer;
  issuer: string;
  scenario: FakeScenario;
  /** Requests to the token endpoint so far. */
  tokenRequests: number;
  /** The form of the last token request. */
  lastTokenForm?: URLSearchParams;
  lastTokenAuthorization?: string | null;
}

export const FAKE_CLIENT_ID = "covara-downstream";
export const FAKE_SUB = "fake-user-1";

/** Made once per test file: RSA key generation is slow. Both carry the same kid, on purpose. */
const PUBLISHED_KEY = await generateJwtKey("RS256", "published-key");
const UNPUBLISHED_KEY = await generateJwtKey("RS256", "published-key");

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const published = await importJwtKey(PUBLISHED_KEY);
  const unpublished = await importJwtKey(UNPUBLISHED_KEY);
  const shared = await importJwtKey({ alg: "HS256", secret: "x".repeat(32) });
  const nonces = new Map<string, string>();
  let app: Hono | undefined;
  const server = await startServer(
    { fetch: (request: Request) => app!.fetch(request) },
    { port: 0, hostname: "127.0.0.1", shutdown: false },
  );
  const issuer = `${server.url}/fake`;
  const fake: FakeUpstream = { server, issuer, scenario: {}, tokenRequests: 0 };

  async function idToken(nonce: string | undefined): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: issuer,
      sub: FAKE_SUB,
      aud: FAKE_CLIENT_ID,
      iat: now,
      exp: now + 300,
      nonce,
      email: "fake@example.com",
      email_verified: true,
      ...fake.scenario.claims,
    };
    for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
    const how = fake.scenario.signWith ?? "published";
    if (how === "none") {
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      return `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`;
    }
    const key: JwtKey = how === "unpublished" ? unpublished : how === "hs256" ? shared : published;
    return signJwt(claims, key);
  }

  app = new Hono();
  app.get("/fake/.well-known/openid-configuration", (c) =>
    c.json({
      issuer: fake.scenario.discoveryIssuer ?? issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      jwks_uri: `${issuer}/jwks`,
      id_token_signing_alg_values_supported: ["RS256", "HS256"],
    }),
  );
  app.get("/fake/jwks", async (c) => c.json({ keys: [await exportPublicJwk(published)] }));
  app.get("/fake/authorize", (c) => {
    const code = `code-${crypto.randomUUID()}`;
    nonces.set(code, c.req.query("nonce") ?? "");
    const target = new URL(c.req.query("redirect_uri")!);
    target.searchParams.set("code", code);
    target.searchParams.set("state", c.req.query("state") ?? "");
    return c.redirect(target.toString(), 302);
  });
  app.post("/fake/token", async (c) => {
    fake.tokenRequests++;
    fake.lastTokenForm = new URLSearchParams(await c.req.text());
    fake.lastTokenAuthorization = c.req.header("authorization") ?? null;
    const answer = fake.scenario.tokenAnswer;
    if (answer) return c.json(answer.body as object, answer.status as 200);
    const code = fake.lastTokenForm.get("code") ?? "";
    if (!nonces.has(code)) return c.json({ error: "invalid_grant" }, 400);
    const nonce = nonces.get(code);
    nonces.delete(code);
    return c.json({
      access_token: `at-${crypto.randomUUID()}`,
      token_type: "Bearer",
      expires_in: 300,
      id_token: await idToken(nonce),
    });
  });
  app.get("/fake/userinfo", (c) =>
    c.json({ sub: fake.scenario.userinfoSub ?? FAKE_SUB, email: "fake@example.com", name: "Fake User" }),
  );
  return fake;
}
