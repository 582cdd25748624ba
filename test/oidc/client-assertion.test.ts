/**
 * JWT client authentication: private_key_jwt and client_secret_jwt through openid-client on a
 * real port, and every forged assertion refused with invalid_client: `none`, algorithm confusion
 * (HS256 over the client's public key), another key, wrong audience, expired, too long-lived,
 * replayed, iss/sub mismatch, and an assertion for a client that authenticates otherwise.
 */
import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportPublicJwk, generateJwtKey, importJwtKey, signJwt, type JwtKey } from "../../src/auth";
import type { CovaraServer } from "../../src/node";
import { createOIDCProvider, type OIDCClient } from "../../src/oidc";
import { DEFAULT_CLIENTS, LOCAL_ISSUER, localApp, postForm, servedApp, USERS } from "./provider-app";

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const SHARED_SECRET = "a-client-secret-of-at-least-thirty-two-bytes";

const clientKey: JwtKey = await importJwtKey(await generateJwtKey("ES256", "client-key-1"));
const strangerKey: JwtKey = await importJwtKey(await generateJwtKey("ES256", "client-key-1"));
const clientJwk = await exportPublicJwk(clientKey);

const JWT_CLIENTS: OIDCClient[] = [
  {
    id: "pkjwt",
    redirectUris: [],
    grantTypes: ["client_credentials"],
    tokenEndpointAuthMethod: "private_key_jwt",
    jwks: { keys: [clientJwk] },
  },
  {
    id: "csjwt",
    secret: SHARED_SECRET,
    redirectUris: [],
    grantTypes: ["client_credentials"],
    tokenEndpointAuthMethod: "client_secret_jwt",
  },
];
const clients = [...DEFAULT_CLIENTS, ...JWT_CLIENTS];

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: "pkjwt",
    sub: "pkjwt",
    aud: `${LOCAL_ISSUER}/token`,
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 60,
    ...overrides,
  };
}

function tokenRequest(
  app: ReturnType<typeof localApp>["app"],
  assertion: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
) {
  return postForm(
    app,
    "/token",
    { grant_type: "client_credentials", client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...extra },
    headers,
  );
}

async function expectInvalidClient(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(((await response.json()) as { error: string }).error).toBe("invalid_client");
}

function unsigned(payload: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(payload)}.`;
}

describe("JWT client authentication through openid-client", () => {
  let server: CovaraServer;
  let issuer: string;
  beforeAll(async () => {
    ({ server, issuer } = await servedApp({ clients }));
  });
  afterAll(async () => {
    await server?.close();
  });

  it("private_key_jwt: a client_credentials grant with an ES256 assertion", async () => {
    const config = await client.discovery(
      new URL(issuer),
      "pkjwt",
      undefined,
      client.PrivateKeyJwt({ key: clientKey.signingKey!, kid: "client-key-1" }),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    expect(config.serverMetadata().token_endpoint_auth_methods_supported).toContain("private_key_jwt");
    const tokens = await client.clientCredentialsGrant(config, { scope: "profile" });
    expect(tokens.access_token).toBeTypeOf("string");
    await expect(client.tokenIntrospection(config, tokens.access_token)).resolves.toMatchObject({
      active: true,
      client_id: "pkjwt",
    });
  });

  it("client_secret_jwt: a client_credentials grant with an HS256 assertion over the secret", async () => {
    const config = await client.discovery(new URL(issuer), "csjwt", undefined, client.ClientSecretJwt(SHARED_SECRET), {
      execute: [client.allowInsecureRequests],
    });
    const tokens = await client.clientCredentialsGrant(config);
    expect(tokens.access_token).toBeTypeOf("string");
  });
});

describe("forged client assertions are invalid_client", () => {
  const { app } = localApp({ clients });

  it("a well-formed assertion passes, once (its jti is single use)", async () => {
    const assertion = await signJwt(claims(), clientKey);
    expect((await tokenRequest(app, assertion)).status).toBe(200);
    await expectInvalidClient(await tokenRequest(app, assertion));
  });

  it("`none` is refused", async () => {
    await expectInvalidClient(await tokenRequest(app, unsigned(claims())));
  });

  it("algorithm confusion: HS256 keyed with the client's public key is refused", async () => {
    const confused = await importJwtKey({ alg: "HS256", kid: "client-key-1", secret: JSON.stringify(clientJwk) });
    await expectInvalidClient(await tokenRequest(app, await signJwt(claims(), confused)));
    // And the reverse: an asymmetric assertion for a client_secret_jwt client.
    await expectInvalidClient(
      await tokenRequest(app, await signJwt(claims({ iss: "csjwt", sub: "csjwt" }), clientKey)),
    );
  });

  it("a key the client did not register is refused, even with its kid", async () => {
    await expectInvalidClient(await tokenRequest(app, await signJwt(claims(), strangerKey)));
  });

  it("wrong audience, expired, too long-lived, missing jti, iss/sub mismatch are refused", async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = [
      claims({ aud: "https://elsewhere.example/token" }),
      claims({ exp: now - 120, iat: now - 180 }),
      claims({ exp: now + 3600 }),
      claims({ jti: undefined }),
      claims({ sub: "web" }),
      claims({ iss: "web", sub: "web" }),
    ];
    for (const payload of forged) await expectInvalidClient(await tokenRequest(app, await signJwt(payload, clientKey)));
  });

  it("an assertion for a client that authenticates with a secret, a mismatched client_id, or the wrong assertion type is refused", async () => {
    await expectInvalidClient(await tokenRequest(app, await signJwt(claims(), clientKey), { client_id: "web" }));
    await expectInvalidClient(
      await tokenRequest(app, await signJwt(claims(), clientKey), { client_assertion_type: "urn:example:other" }),
    );
    const webKey = await importJwtKey({ alg: "HS256", secret: "web-secret-0123456789-padded-to-32-bytes" });
    await expectInvalidClient(await tokenRequest(app, await signJwt(claims({ iss: "web", sub: "web" }), webKey)));
  });

  it("two authentication methods at once are an invalid_request", async () => {
    const response = await tokenRequest(
      app,
      await signJwt(claims(), clientKey),
      {},
      { authorization: `Basic ${btoa("pkjwt:x")}` },
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("invalid_request");
  });

  it("the issuer itself is an accepted audience; /revoke and /introspect accept assertions too", async () => {
    const token = (await (await tokenRequest(app, await signJwt(claims({ aud: LOCAL_ISSUER }), clientKey))).json()) as {
      access_token: string;
    };
    const introspection = await postForm(app, "/introspect", {
      token: token.access_token,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await signJwt(claims(), clientKey),
    });
    expect(await introspection.json()).toMatchObject({ active: true, client_id: "pkjwt" });
  });
});

describe("JWT client configuration", () => {
  it("refuses private_key_jwt without keys and client_secret_jwt with a hashed or short secret", () => {
    const base = { issuer: LOCAL_ISSUER, getUser: (id: string) => USERS[id] ?? null };
    const bad: OIDCClient[] = [
      { id: "a", redirectUris: [], grantTypes: ["client_credentials"], tokenEndpointAuthMethod: "private_key_jwt" },
      {
        id: "b",
        secret: "scrypt$N=16384,r=8,p=1$abc$def",
        redirectUris: [],
        grantTypes: ["client_credentials"],
        tokenEndpointAuthMethod: "client_secret_jwt",
      },
      {
        id: "c",
        secret: "short",
        redirectUris: [],
        grantTypes: ["client_credentials"],
        tokenEndpointAuthMethod: "client_secret_jwt",
      },
    ];
    for (const entry of bad) expect(() => createOIDCProvider({ ...base, clients: [entry] })).toThrow(TypeError);
  });
});
