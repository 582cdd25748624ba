/** Redirect-URI matching as a unit, with a property: nothing appended to a registered URI matches it. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redirectUriMatches } from "../../src/oidc";
import { CALLBACK, localApp } from "./provider-app";

describe("redirectUriMatches", () => {
  it("Redirect URI component validation: … never by prefix (property: any appended text is refused)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), (suffix) => {
        const candidate = CALLBACK + suffix;
        // Appending can only yield the same URI when the URL parser normalises the suffix away.
        if (new URL(candidate, "https://x").href === new URL(CALLBACK).href) return;
        expect(redirectUriMatches(CALLBACK, candidate)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it("matches the exact registered URI, including native-app custom schemes and loopback ports", () => {
    expect(redirectUriMatches(CALLBACK, CALLBACK)).toBe(true);
    expect(redirectUriMatches("com.example.app:/oauth", "com.example.app:/oauth")).toBe(true);
    expect(redirectUriMatches("com.example.app:/oauth", "com.example.app:/oauth2")).toBe(false);
    expect(redirectUriMatches("http://127.0.0.1:8080/cb", "http://127.0.0.1:8080/cb")).toBe(true);
    expect(redirectUriMatches("http://127.0.0.1:8080/cb", "http://127.0.0.1:8081/cb")).toBe(false);
  });
});

describe("POST /authorize", () => {
  it("accepts the same parameters as a form body, and refuses other body types", async () => {
    const { app } = localApp();
    const body = new URLSearchParams({
      client_id: "web",
      response_type: "code",
      redirect_uri: CALLBACK,
      state: "p",
    }).toString();
    const ok = await app.request("/oidc/authorize", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-test-user": "alice" },
      body,
    });
    // 303 after a POST, so the browser follows with a GET.
    expect(ok.status).toBe(303);
    expect(new URL(ok.headers.get("location")!).searchParams.get("state")).toBe("p");
    const json = await app.request("/oidc/authorize", {
      method: "POST",
      headers: { "content-type": "application/json", "x-test-user": "alice" },
      body: "{}",
    });
    expect(json.status).toBe(400);
    expect(json.headers.get("location")).toBeNull();
  });

  it("refuses a repeated parameter before any redirect", async () => {
    const { app } = localApp();
    const response = await app.request(
      `/oidc/authorize?client_id=web&redirect_uri=${encodeURIComponent(CALLBACK)}&redirect_uri=https://evil.net/`,
      {
        headers: { "x-test-user": "alice" },
      },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
  });
});
