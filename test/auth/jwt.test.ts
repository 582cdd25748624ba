/**
 * JWT signing and verification with Web Crypto: the "Token Validation" and "Multi-Tenant"
 * contracts, the classic attacks (alg none, HS256 signed with the RSA public key, forged kid,
 * expired, not yet valid, wrong aud/iss, tampered payload — all the same 401 over HTTP), every
 * supported algorithm, key formats, and third-party keys from a JWKS served by a local server.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { CovaraEnv } from "../../src";
import {
  createJWTAdapter,
  createRemoteJwks,
  exportPublicJwk,
  externalSubjectId,
  generateJwtKey,
  importJwtKey,
  JwtVerificationError,
  requireUser,
  signJwt,
  useAuth,
  verifyJwt,
  type JwtAlgorithm,
  type JwtClaims,
  type JwtKey,
  type VerifyJwtOptions,
} from "../../src/auth";
import { TestClient } from "./core/harness";

const ISS = "https://issuer.test";
const AUD = "api";
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** Claims for a test token; `extra` may hold deliberately wrong types. */
function claims(extra: Record<string, unknown> = {}): JwtClaims {
  return { iss: ISS, aud: AUD, sub: "user-1", iat: now(), exp: now() + 300, ...extra };
}

async function reason(token: string, options: VerifyJwtOptions): Promise<string> {
  try {
    await verifyJwt(token, options);
    return "accepted";
  } catch (error) {
    if (error instanceof JwtVerificationError) return error.reason;
    throw error;
  }
}

let rsa: JwtKey;
let rsaPublicPem: string;
let hs: JwtKey;
let options: VerifyJwtOptions;

beforeAll(async () => {
  const generated = await generateJwtKey("RS256", "rsa-1");
  rsa = await importJwtKey(generated);
  const spki = Buffer.from(await crypto.subtle.exportKey("spki", generated.publicKey as CryptoKey)).toString("base64");
  rsaPublicPem = `-----BEGIN PUBLIC KEY-----\n${spki.match(/.{1,64}/g)!.join("\n")}\n-----END PUBLIC KEY-----\n`;
  hs = await importJwtKey({ alg: "HS256", kid: "hs-1", secret: "a-shared-secret-that-is-32-bytes-or-more" });
  options = { keys: [rsa], issuer: ISS, audience: AUD };
});

describe("Token Validation", () => {
  it("Required claims checked: iss, aud, exp are always validated", async () => {
    for (const missing of ["iss", "aud", "exp"]) {
      const token = await signJwt({ ...claims(), [missing]: undefined }, rsa);
      expect(await reason(token, options), missing).toBe("claims");
    }
    expect(await reason(await signJwt(claims({ iss: "https://other.test" }), rsa), options)).toBe("issuer");
    expect(await reason(await signJwt(claims({ aud: "other" }), rsa), options)).toBe("audience");
    expect(await reason(await signJwt(claims({ aud: ["x", AUD] }), rsa), options)).toBe("accepted");
    expect(await reason(await signJwt(claims({ exp: now() - 3600 }), rsa), options)).toBe("expired");
    expect(await reason(await signJwt(claims({ exp: "tomorrow" }), rsa), options)).toBe("claims");
    expect(await reason(await signJwt(claims({ sub: 42 }), rsa), options)).toBe("claims");
    expect(await reason(await signJwt(claims({ sub: undefined }), rsa), { ...options, requiredClaims: ["sub"] })).toBe(
      "claims",
    );
  });

  it("Algorithm enforcement: Only configured algorithms accepted; none always rejected", async () => {
    const payload = b64(claims());
    for (const alg of ["none", "None", "NONE", "nOnE", ""]) {
      expect(await reason(`${b64({ alg, typ: "JWT" })}.${payload}.`, options), alg).toBe("algorithm");
      expect(await reason(`${b64({ alg, typ: "JWT" })}.${payload}.${b64("sig")}`, options), alg).toBe("algorithm");
    }
    // An algorithm the key is not for, even a strong one, is refused.
    const es = await importJwtKey(await generateJwtKey("ES256"));
    expect(await reason(await signJwt(claims(), es), options)).toBe("unknown-key");
    // An extra allowlist narrows further.
    expect(await reason(await signJwt(claims(), rsa), { ...options, algorithms: ["ES256"] })).toBe("algorithm");
    expect(await reason(await signJwt(claims(), rsa), { ...options, algorithms: ["RS256"] })).toBe("accepted");
  });

  it("Algorithm confusion: an HS256 token signed with the RSA public key as the secret is rejected", async () => {
    const header = b64({ alg: "HS256", typ: "JWT", kid: "rsa-1" });
    const body = b64(claims());
    for (const secret of [rsaPublicPem, rsaPublicPem.trim(), JSON.stringify(await exportPublicJwk(rsa))]) {
      const key = await crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode(secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      const signature = Buffer.from(
        await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${header}.${body}`)),
      ).toString("base64url");
      expect(await reason(`${header}.${body}.${signature}`, options)).toBe("unknown-key");
    }
    // And a key configured for RS256 can never be imported as an HMAC key by mistake.
    await expect(importJwtKey({ alg: "HS256", publicKey: rsaPublicPem } as never)).rejects.toThrow(/secret/);
  });

  it("Clock skew tolerance: Configurable tolerance for exp, nbf, iat checks", async () => {
    const expired10s = await signJwt(claims({ exp: now() - 10 }), rsa);
    expect(await reason(expired10s, options)).toBe("accepted"); // default skew 30 s
    expect(await reason(expired10s, { ...options, clockSkewSeconds: 0 })).toBe("expired");
    const nbfSoon = await signJwt(claims({ nbf: now() + 10 }), rsa);
    expect(await reason(nbfSoon, options)).toBe("accepted");
    expect(await reason(nbfSoon, { ...options, clockSkewSeconds: 5 })).toBe("not-yet-valid");
    expect(await reason(await signJwt(claims({ nbf: now() + 3600 }), rsa), options)).toBe("not-yet-valid");
    const iatFuture = await signJwt(claims({ iat: now() + 20 }), rsa);
    expect(await reason(iatFuture, options)).toBe("accepted");
    expect(await reason(iatFuture, { ...options, clockSkewSeconds: 0 })).toBe("issued-in-future");
    expect(await reason(await signJwt(claims({ nbf: "later" }), rsa), options)).toBe("claims");
  });

  it("Signature verification: All tokens are cryptographically verified", async () => {
    const token = await signJwt(claims(), rsa);
    const [h, p, s] = token.split(".") as [string, string, string];
    const tamperedPayload = `${h}.${b64({ ...claims(), sub: "admin" })}.${s}`;
    const tamperedHeader = `${b64({ alg: "RS256", typ: "JWT", kid: "rsa-1", x: 1 })}.${p}.${s}`;
    const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === "A" ? "B" : "A"}${s.slice(11)}`;
    const otherKey = await importJwtKey(await generateJwtKey("RS256", "rsa-1"));
    const wrongKey = await signJwt(claims(), otherKey);
    for (const bad of [
      tamperedPayload,
      tamperedHeader,
      flipped,
      wrongKey,
      `${h}.${p}.`,
      `${h}.${p}`,
      `${h}.${p}.${s}.x`,
    ]) {
      expect(["signature", "malformed"]).toContain(await reason(bad, options));
    }
    expect(await reason(token, options)).toBe("accepted");
  });

  it("a forged kid finds no key (no path, URL or embedded-key lookups either)", async () => {
    const attacker = await importJwtKey({ ...(await generateJwtKey("RS256")), kid: "rsa-2" });
    expect(await reason(await signJwt(claims(), attacker), options)).toBe("unknown-key");
    const forged = await importJwtKey({ ...(await generateJwtKey("RS256")), kid: "../../../dev/null" });
    expect(await reason(await signJwt(claims(), forged), options)).toBe("unknown-key");
    // A token naming the right kid but signed by another key fails on the signature.
    const impostor = await importJwtKey({ ...(await generateJwtKey("RS256")), kid: "rsa-1" });
    expect(await reason(await signJwt(claims(), impostor), options)).toBe("signature");
    const embedded = `${b64({ alg: "RS256", jwk: await exportPublicJwk(attacker) })}.${b64(claims())}.${b64("x")}`;
    expect(await reason(embedded, options)).toBe("unknown-key");
    const jku = `${b64({ alg: "RS256", jku: "https://evil.test/jwks" })}.${b64(claims())}.${b64("x")}`;
    expect(await reason(jku, options)).toBe("unknown-key");
    const crit = `${b64({ alg: "RS256", kid: "rsa-1", crit: ["exp"] })}.${b64(claims())}.${b64("x")}`;
    expect(await reason(crit, options)).toBe("malformed");
  });

  it("malformed tokens are refused before any key is used", async () => {
    for (const bad of [
      "",
      ".",
      "..",
      "a.b.c",
      `${b64("[]")}.${b64(claims())}.${b64("x")}`,
      `${b64({ alg: "RS256" })}.x*y.${b64("s")}`,
      "x".repeat(9000),
    ]) {
      expect(await reason(bad, options)).toMatch(/malformed|algorithm/);
    }
  });

  it("every byte-level mutation of a valid token is rejected (property)", async () => {
    const token = await signJwt(claims(), hs);
    const keys = { keys: [hs], issuer: ISS, audience: AUD };
    await fc.assert(
      fc.asyncProperty(fc.nat(token.length - 1), fc.constantFrom(..."ABCabc012-_.=+/ "), async (index, replacement) => {
        fc.pre(token[index] !== replacement);
        const mutated = token.slice(0, index) + replacement + token.slice(index + 1);
        expect(await reason(mutated, keys)).not.toBe("accepted");
      }),
      { numRuns: 300 },
    );
  });
});

describe("algorithms and keys", () => {
  const algorithms: JwtAlgorithm[] = [
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
  ];

  it.each(algorithms)("%s signs and verifies, and only with its own key", async (alg) => {
    const key = await importJwtKey(await generateJwtKey(alg, "k"));
    const token = await signJwt(claims(), key);
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString())).toEqual({
      alg,
      typ: "JWT",
      kid: "k",
    });
    expect(await reason(token, { keys: [key], issuer: ISS, audience: AUD })).toBe("accepted");
    const other = await importJwtKey(await generateJwtKey(alg, "k"));
    expect(await reason(token, { keys: [other], issuer: ISS, audience: AUD })).toBe("signature");
  });

  it("imports PEM and JWK keys, derives the public half, and refuses misfits", async () => {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", pair.privateKey)).toString("base64");
    const pem = `-----BEGIN PRIVATE KEY-----\n${pkcs8}\n-----END PRIVATE KEY-----`;
    const fromPem = await importJwtKey({ alg: "ES256", privateKey: pem });
    const publicJwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
    const verifier = await importJwtKey({ alg: "ES256", publicKey: publicJwk });
    expect(await reason(await signJwt(claims(), fromPem), { keys: [verifier], issuer: ISS, audience: AUD })).toBe(
      "accepted",
    );
    expect(await exportPublicJwk(fromPem)).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect((await exportPublicJwk(fromPem)).d).toBeUndefined();
    await expect(importJwtKey({ alg: "HS256", secret: "short" })).rejects.toThrow(/at least 32 bytes/);
    await expect(importJwtKey({ alg: "ES384", publicKey: publicJwk })).rejects.toThrow();
    await expect(importJwtKey({ alg: "ES256", publicKey: pair.privateKey })).rejects.toThrow(/public key/);
    await expect(importJwtKey({ alg: "RS256", publicKey: pair.publicKey })).rejects.toThrow(/ECDSA/);
    await expect(importJwtKey({ alg: "none" as JwtAlgorithm, secret: "x".repeat(64) })).rejects.toThrow(/unsupported/);
    await expect(exportPublicJwk(hs)).rejects.toThrow(/never published/);
    await expect(signJwt(claims(), verifier)).rejects.toThrow(/cannot sign/);
  });
});

describe("attacks over HTTP: all the same 401 problem+json", () => {
  it("alg none, HS256-with-public-key, forged kid, expired, not yet valid, wrong aud, wrong iss, tampered payload", async () => {
    const generated = await generateJwtKey("RS256", "app-key");
    const adapter = createJWTAdapter({ keys: [generated], issuer: ISS, audience: AUD });
    const auth = useAuth({ adapter });
    const app = new Hono<CovaraEnv>();
    app.use("*", auth.middleware);
    app.get("/private", (c) => c.json({ id: requireUser(c).id }));
    const key = await importJwtKey(generated);
    const good = await signJwt(claims(), key);
    const [h, p, s] = good.split(".") as [string, string, string];
    const hmac = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(rsaPublicPem),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const confusedHeader = b64({ alg: "HS256", typ: "JWT", kid: "app-key" });
    const confused = `${confusedHeader}.${p}.${Buffer.from(await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(`${confusedHeader}.${p}`))).toString("base64url")}`;
    const forgedKid = await signJwt(claims(), await importJwtKey(await generateJwtKey("RS256", "evil")));
    const attacks: Record<string, string> = {
      "alg none": `${b64({ alg: "none" })}.${p}.`,
      "HS256 with the RSA public key": confused,
      "forged kid": forgedKid,
      expired: await signJwt(claims({ exp: now() - 3600, iat: now() - 7200 }), key),
      "not yet valid": await signJwt(claims({ nbf: now() + 3600 }), key),
      "wrong aud": await signJwt(claims({ aud: "another-api" }), key),
      "wrong iss": await signJwt(claims({ iss: "https://evil.test" }), key),
      "tampered payload": `${h}.${b64({ ...claims(), sub: "admin" })}.${s}`,
    };
    const client = new TestClient(app);
    expect((await client.send("GET", "/private", { bearer: good })).body).toEqual({ id: "user-1" });
    const answers = new Map<string, string>();
    for (const [name, token] of Object.entries(attacks)) {
      const res = await client.send("GET", "/private", { bearer: token });
      expect(res.status, name).toBe(401);
      expect(res.headers.get("content-type"), name).toBe("application/problem+json");
      answers.set(name, res.text);
    }
    expect(new Set(answers.values()).size).toBe(1);
    expect(JSON.parse([...answers.values()][0]!).detail).toBe("The access token is invalid or expired; sign in again");
  });
});

describe("Multi-Tenant", () => {
  async function tenantApp() {
    const a = await generateJwtKey("ES256", "a");
    const b = await generateJwtKey("ES256", "b");
    const adapter = createJWTAdapter({
      trustedIssuers: [
        { issuer: "https://a.test", audience: AUD, keys: [{ ...a, privateKey: undefined }] },
        { issuer: "https://b.test", audience: AUD, keys: [{ ...b, privateKey: undefined }] },
      ],
    });
    const auth = useAuth({ adapter });
    const app = new Hono<CovaraEnv>();
    app.use("*", auth.middleware);
    app.get("/me", (c) => c.json(requireUser(c)));
    return { app, a: await importJwtKey(a), b: await importJwtKey(b) };
  }

  it("Issuer isolation: Same sub from different iss = different users", async () => {
    const { app, a, b } = await tenantApp();
    const client = new TestClient(app);
    const fromA = await client.send("GET", "/me", {
      bearer: await signJwt(claims({ iss: "https://a.test", sub: "42" }), a),
    });
    const fromB = await client.send("GET", "/me", {
      bearer: await signJwt(claims({ iss: "https://b.test", sub: "42" }), b),
    });
    expect(fromA.body).toEqual({
      id: externalSubjectId("https://a.test", "42"),
      issuer: "https://a.test",
      subject: "42",
    });
    expect(fromB.body.id).toBe("https://b.test|42");
    expect(fromA.body.id).not.toBe(fromB.body.id);
    // One issuer cannot speak for the other: a token claiming b's iss but signed with a's key fails.
    expect(
      (await client.send("GET", "/me", { bearer: await signJwt(claims({ iss: "https://b.test", sub: "42" }), a) }))
        .status,
    ).toBe(401);
  });

  it("Issuer whitelist: Only configured issuers accepted", async () => {
    const { app, a } = await tenantApp();
    const res = await new TestClient(app).send("GET", "/me", {
      bearer: await signJwt(claims({ iss: "https://c.test" }), a),
    });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("INVALID_TOKEN");
  });
});

describe("JWKS", () => {
  let server: Server;
  let url: string;
  let failuresLeft = 0;
  let down = false;
  let requests = 0;
  let published: JsonWebKey[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      if (down || failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(503).end("unavailable");
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => {
    failuresLeft = 0;
    down = false;
    requests = 0;
    vi.useRealTimers();
  });

  async function signer(kid: string, alg: JwtAlgorithm = "RS256") {
    const key = await importJwtKey(await generateJwtKey(alg, kid));
    return { key, jwk: await exportPublicJwk(key) };
  }

  it("verifies with the issuer's published keys, caching them", async () => {
    const { key, jwk } = await signer("k1");
    published = [
      jwk,
      { kty: "oct", k: "c2VjcmV0", kid: "sym" } as JsonWebKey,
      { kty: "RSA", kid: "broken", n: "x", e: "AQAB" } as JsonWebKey,
    ];
    const jwks = createRemoteJwks({ url });
    for (let i = 0; i < 3; i++)
      await verifyJwt(await signJwt(claims(), key), { keys: jwks, issuer: ISS, audience: AUD });
    expect(requests).toBe(1);
    // A symmetric key published in a JWKS is never used: an HS256 token "signed" with it fails.
    const sym = await importJwtKey({ alg: "HS256", kid: "sym", secret: "secret".padEnd(32, "!") });
    await expect(verifyJwt(await signJwt(claims(), sym), { keys: jwks, issuer: ISS, audience: AUD })).rejects.toThrow(
      JwtVerificationError,
    );
  });

  it("an unknown kid triggers one refetch (key rotation), at most once per cooldown", async () => {
    const first = await signer("old");
    published = [first.jwk];
    const jwks = createRemoteJwks({ url, cooldownSeconds: 0 });
    await verifyJwt(await signJwt(claims(), first.key), { keys: jwks, issuer: ISS, audience: AUD });
    const rotated = await signer("new");
    published = [first.jwk, rotated.jwk];
    await verifyJwt(await signJwt(claims(), rotated.key), { keys: jwks, issuer: ISS, audience: AUD });
    expect(requests).toBe(2);
    const slow = createRemoteJwks({ url, cooldownSeconds: 3600 });
    await verifyJwt(await signJwt(claims(), first.key), { keys: slow, issuer: ISS, audience: AUD });
    const unknown = await signer("unknown");
    await expect(
      verifyJwt(await signJwt(claims(), unknown.key), { keys: slow, issuer: ISS, audience: AUD }),
    ).rejects.toThrow(/unknown-key/);
    await expect(
      verifyJwt(await signJwt(claims(), unknown.key), { keys: slow, issuer: ISS, audience: AUD }),
    ).rejects.toThrow(/unknown-key/);
    expect(requests).toBe(3);
  });

  it("JWKS Unavailable: automatic retry with backoff", async () => {
    const { key, jwk } = await signer("k");
    published = [jwk];
    failuresLeft = 2;
    const jwks = createRemoteJwks({ url, retries: 2, retryDelayMs: 5 });
    await verifyJwt(await signJwt(claims(), key), { keys: jwks, issuer: ISS, audience: AUD });
    expect(requests).toBe(3);
  });

  it("JWKS Unavailable: use cached keys if available", async () => {
    const { key, jwk } = await signer("k");
    published = [jwk];
    const jwks = createRemoteJwks({ url, cacheTtlSeconds: 1, retries: 0 });
    await verifyJwt(await signJwt(claims(), key), { keys: jwks, issuer: ISS, audience: AUD });
    down = true;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 5000);
    // The cache is stale and the endpoint is down: the stale keys keep verifying.
    await verifyJwt(await signJwt(claims({ iat: undefined, exp: now() + 300 }), key), {
      keys: jwks,
      issuer: ISS,
      audience: AUD,
    });
    expect(requests).toBeGreaterThanOrEqual(2);
  });

  it("JWKS Unavailable: return 503 if no cached keys", async () => {
    const { key, jwk } = await signer("k");
    published = [jwk];
    down = true;
    const adapter = createJWTAdapter({ trustedIssuers: [{ issuer: ISS, audience: AUD, jwksUri: url }] });
    const auth = useAuth({ adapter });
    const app = new Hono<CovaraEnv>();
    app.use("*", auth.middleware);
    app.get("/me", (c) => c.json(requireUser(c)));
    const client = new TestClient(app);
    const token = await signJwt(claims(), key);
    const unavailable = await client.send("GET", "/me", { bearer: token });
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.code).toBe("SERVICE_UNAVAILABLE");
    expect(Number(unavailable.headers.get("retry-after"))).toBeGreaterThan(0);
    // While backing off, callers get the 503 at once instead of waiting on the dead endpoint.
    const before = requests;
    expect((await client.send("GET", "/me", { bearer: token })).status).toBe(503);
    expect(requests).toBe(before);
  });

  it("third-party tokens from a JWKS map to issuer-scoped users", async () => {
    const { key, jwk } = await signer("k", "EdDSA");
    published = [jwk];
    const adapter = createJWTAdapter({
      trustedIssuers: [{ issuer: ISS, audience: AUD, jwksUri: url, algorithms: ["EdDSA"] }],
    });
    const auth = useAuth({ adapter });
    const app = new Hono<CovaraEnv>();
    app.use("*", auth.middleware);
    app.get("/me", (c) => c.json(requireUser(c)));
    const res = await new TestClient(app).send("GET", "/me", { bearer: await signJwt(claims({ sub: "abc" }), key) });
    expect(res.body).toEqual({ id: `${ISS}|abc`, issuer: ISS, subject: "abc" });
  });
});
