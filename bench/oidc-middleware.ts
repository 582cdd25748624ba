/**
 * What accepting the OIDC provider's access tokens costs on an API route, in process:
 * `GET /api/me` behind
 *   - a baseline taking the identity from a header (routing and JSON, no token work),
 *   - a hand-written Hono middleware that verifies the ES256 JWT with Web Crypto on every request
 *     and checks iss, aud, exp and typ (what an app writes without a framework; it does not
 *     check revocation),
 *   - the provider's own `middleware` (signature verified once per token, then revocation of the
 *     token and its grant checked in the KV on every request),
 *   - `createOIDCResourceMiddleware`, as an API in another process uses it (keys fetched once
 *     from the provider's JWKS, no revocation check).
 * Usage: node --import tsx bench/oidc-middleware.ts [--rounds N] [--batch N]
 */
import { Hono, type MiddlewareHandler } from "hono";
import { exportPublicJWK, generateJWTKey, importJWTKey } from "../src/auth";
import { createOIDCProvider, createOIDCResourceMiddleware, type OIDCEnv } from "../src/oidc";
import { compareInProcess, inProcessArgs, type InProcessVariant } from "./in-process";

const ISSUER = "http://provider.bench/oidc";
const keyInput = await generateJWTKey("ES256", "bench-key");
const provider = createOIDCProvider({
  issuer: ISSUER,
  keys: [keyInput],
  clients: [{ id: "svc", secret: "svc-secret-0123456789", redirectUris: [], grantTypes: ["client_credentials"] }],
  getUser: () => null,
});
const providerApp = new Hono();
providerApp.route("/oidc", provider.router);

const tokenResponse = await providerApp.request("/oidc/token", {
  method: "POST",
  headers: {
    "content-type": "application/x-www-form-urlencoded",
    authorization: `Basic ${btoa("svc:svc-secret-0123456789")}`,
  },
  body: "grant_type=client_credentials&scope=profile",
});
const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
const bearer = { authorization: `Bearer ${token}` };

function apiWith(
  name: string,
  middleware: MiddlewareHandler<OIDCEnv>,
  headers: Record<string, string>,
): InProcessVariant {
  const app = new Hono<OIDCEnv>();
  app.use("/api/*", middleware);
  app.get("/api/me", (c) => c.json({ id: c.get("user")?.id ?? null }));
  return { name, app, headers };
}

/** The hand-written check: split, decode, verify with Web Crypto, compare claims. */
async function handWritten(): Promise<MiddlewareHandler<OIDCEnv>> {
  const publicKey = (
    await importJWTKey({ alg: "ES256", publicKey: await exportPublicJWK(await importJWTKey(keyInput)) })
  ).verificationKey!;
  const decode = (segment: string) =>
    JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as Record<string, unknown>;
  return async (c, next) => {
    const match = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "");
    if (!match) return c.json({ error: "unauthorized" }, 401);
    const [header, payload, signature] = match[1]!.split(".");
    const ok = await crypto.subtle.verify(
      { name: "ECDSA", hash: "SHA-256" },
      publicKey,
      Buffer.from(signature!, "base64url"),
      new TextEncoder().encode(`${header}.${payload}`),
    );
    const claims = decode(payload!);
    if (
      !ok ||
      decode(header!).typ !== "at+jwt" ||
      claims.iss !== ISSUER ||
      claims.aud !== ISSUER ||
      (claims.exp as number) < Date.now() / 1000
    ) {
      return c.json({ error: "unauthorized" }, 401);
    }
    c.set("user", { id: claims.sub as string });
    await next();
  };
}

const baseline: InProcessVariant = apiWith(
  "baseline (header identity)",
  async (c, next) => {
    c.set("user", { id: c.req.header("x-user")! });
    await next();
  },
  { "x-user": "svc" },
);

await compareInProcess(
  [
    baseline,
    apiWith("hand-written ES256 check per request", await handWritten(), bearer),
    apiWith("provider.middleware (ES256, revocation checked)", provider.middleware, bearer),
    apiWith(
      "createOIDCResourceMiddleware (remote JWKS, cached)",
      createOIDCResourceMiddleware({
        issuer: ISSUER,
        fetch: (input, init) =>
          Promise.resolve(providerApp.request(String(input).replace("http://provider.bench", ""), init)),
      }),
      bearer,
    ),
  ],
  {
    title: "OIDC access-token middleware",
    path: "/api/me",
    expectedBody: '{"id":"svc"}',
    ...inProcessArgs({ rounds: 9, batch: 2000 }),
  },
);
