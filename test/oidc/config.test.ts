/** Misconfiguration fails at construction with a TypeError that names the problem. */
import { describe, expect, it } from "vitest";
import { createOIDCProvider, type OIDCProviderOptions } from "../../src/oidc";

const base: OIDCProviderOptions = { issuer: "https://auth.example.com", clients: [], getUser: () => null };

describe("createOIDCProvider configuration", () => {
  const cases: Array<[string, Partial<OIDCProviderOptions>, RegExp]> = [
    ["a non-URL issuer", { issuer: "auth.example.com" }, /issuer/],
    [
      "a duplicate client id",
      {
        clients: [
          { id: "a", redirectUris: ["https://a/cb"] },
          { id: "a", redirectUris: ["https://a/cb"] },
        ],
      },
      /twice/,
    ],
    ["an invalid redirect URI", { clients: [{ id: "a", redirectUris: ["/relative"] }] }, /redirect URI/],
    ["no redirect URI for the code flow", { clients: [{ id: "a", redirectUris: [] }] }, /redirect URI/],
    [
      "a secret method without a secret",
      { clients: [{ id: "a", redirectUris: ["https://a/cb"], tokenEndpointAuthMethod: "client_secret_post" }] },
      /secret/,
    ],
  ];
  for (const [what, patch, message] of cases) {
    it(`throws for ${what}`, () => {
      expect(() => createOIDCProvider({ ...base, ...patch })).toThrow(message);
    });
  }

  it("accepts a client_credentials-only client without redirect URIs", async () => {
    const provider = createOIDCProvider({
      ...base,
      clients: [{ id: "svc", secret: "s".repeat(24), redirectUris: [], grantTypes: ["client_credentials"] }],
    });
    await expect(provider.ready).resolves.toBeUndefined();
  });
});
