/**
 * Typed environment variables: validation at start-up with one message naming every bad variable
 * (and never a value), public/private classification, redaction when logged, the public route with
 * its ETag, and the client reading it.
 */
import { inspect } from "node:util";
import { Hono } from "hono";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { createEnvClient, fetchPublicEnv, isCovaraClientError } from "../../src/client";
import { createEnv, EnvValidationError, envVariable, usePublicEnv, type PublicEnvOf } from "../../src/env";

const SECRET = "sk_live_0123456789abcdef";

function appEnv(source: Record<string, string | undefined>) {
  return createEnv(
    {
      PUBLIC_API_URL: z.string().url(),
      SECRET_KEY: envVariable(source.SECRET, z.string().min(8)),
      PORT: z.string().default("3000").transform(Number),
      API_ORIGIN: envVariable(source.API_ORIGIN, z.string(), { visibility: "public" }),
      PUBLIC_BUT_HIDDEN: envVariable(source.PUBLIC_BUT_HIDDEN, z.string().optional(), { visibility: "private" }),
    },
    { source },
  );
}

const GOOD = {
  PUBLIC_API_URL: "https://api.example.com",
  SECRET: SECRET,
  API_ORIGIN: "https://example.com",
  PUBLIC_BUT_HIDDEN: "internal",
};

describe("createEnv", () => {
  it("validates, applies defaults and transforms, and types every variable from its schema", () => {
    const env = appEnv(GOOD);
    expect(env.PUBLIC_API_URL).toBe("https://api.example.com");
    expect(env.SECRET_KEY).toBe(SECRET);
    expect(env.PORT).toBe(3000);
    expectTypeOf(env.PORT).toEqualTypeOf<number>();
    expectTypeOf(env.SECRET_KEY).toEqualTypeOf<string>();
    expectTypeOf(env.PUBLIC_BUT_HIDDEN).toEqualTypeOf<string | undefined>();
    expect(Object.isFrozen(env)).toBe(true);
  });

  it("reads bare schemas from process.env by default", () => {
    process.env.COVARA_TEST_ENV_VALUE = "42";
    try {
      expect(createEnv({ COVARA_TEST_ENV_VALUE: z.coerce.number() }).COVARA_TEST_ENV_VALUE).toBe(42);
    } finally {
      delete process.env.COVARA_TEST_ENV_VALUE;
    }
  });

  it("fails once, naming every missing and invalid variable, without printing any value", () => {
    let error: unknown;
    try {
      appEnv({ PUBLIC_API_URL: "not a url", SECRET: "short", PORT: "x" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvValidationError);
    const issues = (error as EnvValidationError).issues.map((issue) => issue.variable);
    expect(issues).toEqual(["PUBLIC_API_URL", "SECRET_KEY", "API_ORIGIN"]);
    const message = (error as Error).message;
    expect(message).toMatch(
      /^Invalid environment variables:\n {2}- PUBLIC_API_URL: .+\n {2}- SECRET_KEY: .+\n {2}- API_ORIGIN: missing \(required\)$/,
    );
    expect(message).not.toContain("short");
    expect(message).not.toContain("not a url");
    expect((error as EnvValidationError).code).toBe("ENV_VALIDATION_ERROR");
  });

  it("scrubs a secret's value even from a custom message that echoes it", () => {
    const echo = z.string().refine((value) => value.startsWith("sk_test_"), {
      error: (issue) => `expected a test key, got ${String(issue.input)}`,
    });
    expect(() => createEnv({ STRIPE_KEY: envVariable(SECRET, echo) })).toThrowError(
      /STRIPE_KEY: expected a test key, got \[redacted\]/,
    );
  });

  it("names the path inside a structured variable", () => {
    const json = z
      .string()
      .transform((text) => JSON.parse(text))
      .pipe(z.object({ port: z.number() }));
    expect(() => createEnv({ CONFIG: envVariable('{"port":"80"}', json) })).toThrowError(/CONFIG\.port: /);
  });

  it("treats an empty string as unset only when asked", () => {
    expect(createEnv({ NAME: z.string() }, { source: { NAME: "" } }).NAME).toBe("");
    expect(() => createEnv({ NAME: z.string() }, { source: { NAME: "" }, emptyStringAsUndefined: true })).toThrowError(
      /NAME: missing/,
    );
    expect(
      createEnv({ NAME: z.string().default("x") }, { source: { NAME: "" }, emptyStringAsUndefined: true }).NAME,
    ).toBe("x");
  });

  it("shows secrets as [redacted] when logged or serialised, and keeps them readable in code", () => {
    const env = appEnv(GOOD);
    expect(inspect(env)).not.toContain(SECRET);
    expect(inspect(env)).toContain("[redacted]");
    expect(JSON.stringify(env)).not.toContain(SECRET);
    expect(JSON.parse(JSON.stringify(env)).PUBLIC_API_URL).toBe("https://api.example.com");
    expect(Object.keys(env)).toEqual(["PUBLIC_API_URL", "SECRET_KEY", "PORT", "API_ORIGIN", "PUBLIC_BUT_HIDDEN"]);
    expect({ ...env }.SECRET_KEY).toBe(SECRET);
  });

  it("types the public part: the PUBLIC_ prefix or explicit visibility", () => {
    type Public = PublicEnvOf<ReturnType<typeof appEnv>>;
    expectTypeOf<Public>().toEqualTypeOf<{ readonly PUBLIC_API_URL: string; readonly API_ORIGIN: string }>();
    const custom = createEnv(
      { VITE_URL: z.string(), TOKEN: z.string() },
      { source: { VITE_URL: "u", TOKEN: "t" }, publicPrefix: "VITE_" },
    );
    expectTypeOf<PublicEnvOf<typeof custom>>().toEqualTypeOf<{ readonly VITE_URL: string }>();
  });
});

describe("usePublicEnv", () => {
  function server() {
    const app = new Hono();
    app.route("/api/env", usePublicEnv(appEnv(GOOD)));
    return app;
  }

  it("serves only public values, with a strong ETag and no-cache", async () => {
    const res = await server().request("/api/env");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("etag")).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ PUBLIC_API_URL: "https://api.example.com", API_ORIGIN: "https://example.com" });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("internal");
  });

  it("answers 304 to a matching If-None-Match (strong, weak or in a list) and 200 otherwise", async () => {
    const app = server();
    const etag = (await app.request("/api/env")).headers.get("etag")!;
    for (const condition of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const res = await app.request("/api/env", { headers: { "if-none-match": condition } });
      expect(res.status, condition).toBe(304);
      expect(res.headers.get("etag")).toBe(etag);
      expect(await res.text()).toBe("");
    }
    expect((await app.request("/api/env", { headers: { "if-none-match": '"stale"' } })).status).toBe(200);
  });

  it("refuses an object that createEnv did not make (so nothing unvalidated is served)", () => {
    // Structurally a plain object passes the type; the check is at run time.
    expect(() => usePublicEnv({ PUBLIC_X: "1" })).toThrowError(/takes the object returned by createEnv/);
  });
});

describe("the env client", () => {
  function counted() {
    const app = new Hono();
    app.route("/api/env", usePublicEnv(appEnv(GOOD)));
    const statuses: number[] = [];
    const fetch = async (input: string, init?: RequestInit) => {
      const res = await app.request(input, init);
      statuses.push(res.status);
      return res;
    };
    return { fetch, statuses };
  }

  it("loads once, shares concurrent loads, and revalidates with a 304", async () => {
    const { fetch, statuses } = counted();
    const client = createEnvClient<PublicEnvOf<ReturnType<typeof appEnv>>>({ baseUrl: "http://app.local", fetch });
    const [a, b] = await Promise.all([client.get(), client.get()]);
    expect(a).toBe(b);
    expect(a.PUBLIC_API_URL).toBe("https://api.example.com");
    expect(await client.get()).toBe(a);
    expect(statuses).toEqual([200]);
    expect(await client.refresh()).toBe(a);
    expect(statuses).toEqual([200, 304]);
    expect(client.current).toBe(a);
  });

  it("one caller aborting a shared load fails only that caller; all aborting cancels the request", async () => {
    const { fetch, statuses } = counted();
    const client = createEnvClient<PublicEnvOf<ReturnType<typeof appEnv>>>({ baseUrl: "http://app.local", fetch });
    const first = new AbortController();
    const leaving = client.get({ signal: first.signal });
    const staying = client.get();
    first.abort();
    const error = await leaving.catch((caught: unknown) => caught);
    expect(isCovaraClientError(error) && error.code).toBe("ABORTED");
    expect((await staying).PUBLIC_API_URL).toBe("https://api.example.com");
    expect(statuses).toEqual([200]);

    let seen: AbortSignal | undefined;
    let called!: () => void;
    const fetchCalled = new Promise<void>((resolve) => (called = resolve));
    const watched = createEnvClient({
      baseUrl: "http://app.local",
      fetch: async (input: string, init?: RequestInit) => {
        seen = init?.signal ?? undefined;
        called();
        // Held open until aborted, so the test decides when the shared request ends.
        await new Promise((_, reject) => seen?.addEventListener("abort", () => reject(seen?.reason)));
        return fetch(input, init);
      },
    });
    const a = new AbortController();
    const b = new AbortController();
    const both = [watched.get({ signal: a.signal }), watched.get({ signal: b.signal })].map((p) =>
      p.catch((caught: unknown) => caught),
    );
    await fetchCalled;
    a.abort();
    expect(seen?.aborted).toBe(false);
    b.abort();
    expect(seen?.aborted).toBe(true);
    for (const outcome of await Promise.all(both)) expect(isCovaraClientError(outcome) && outcome.code).toBe("ABORTED");
  });

  it("fetchPublicEnv reads once; a missing route is a typed client error", async () => {
    const { fetch } = counted();
    expect(await fetchPublicEnv({ baseUrl: "http://app.local", fetch })).toEqual({
      PUBLIC_API_URL: "https://api.example.com",
      API_ORIGIN: "https://example.com",
    });
    const error = await fetchPublicEnv({ baseUrl: "http://app.local", path: "/nope", fetch }).catch(
      (caught: unknown) => caught,
    );
    expect(isCovaraClientError(error) && error.status).toBe(404);
  });
});
