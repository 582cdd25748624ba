/**
 * An OAuth2 provider on a local port, speaking the authorization-code wire format (RFC 6749) with
 * PKCE (RFC 7636): /authorize approves at once and redirects back with a code, /token exchanges a
 * single-use code (checking client credentials, redirect_uri and the code_verifier), /user returns
 * the profile for a bearer token. It counts every token request, so a test can prove none was made.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProviderUser {
  id: number;
  login: string;
  name: string;
  email: string | null;
  email_verified: boolean;
}

interface IssuedCode {
  user: ProviderUser;
  redirectUri: string;
  challenge: string | null;
}

export interface OAuthProvider {
  url: string;
  clientId: string;
  clientSecret: string;
  /** The user who approves the next authorization. */
  user: ProviderUser;
  /** Token requests received (successful or not). */
  tokenRequests: number;
  /** The query of every /authorize request. */
  authorizations: URLSearchParams[];
  /** Answer the next /authorize with ?error=access_denied instead of a code. */
  denyNext: boolean;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}

/** Starts the provider on 127.0.0.1 with a random port. */
export async function startOAuthProvider(): Promise<OAuthProvider> {
  const codes = new Map<string, IssuedCode>();
  const tokens = new Map<string, ProviderUser>();
  let server: Server;
  const provider: OAuthProvider = {
    url: "",
    clientId: "covara-client",
    clientSecret: "s3cret",
    user: { id: 4242, login: "ada", name: "Ada Lovelace", email: "ada@example.com", email_verified: true },
    tokenRequests: 0,
    authorizations: [],
    denyNext: false,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", provider.url);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && url.pathname === "/authorize") {
      const query = url.searchParams;
      provider.authorizations.push(query);
      const redirect = new URL(query.get("redirect_uri")!);
      if (query.get("client_id") !== provider.clientId || query.get("response_type") !== "code")
        return json(400, { error: "invalid_request" });
      if (query.get("state")) redirect.searchParams.set("state", query.get("state")!);
      if (provider.denyNext) {
        provider.denyNext = false;
        redirect.searchParams.set("error", "access_denied");
        redirect.searchParams.set("error_description", "The user said no");
      } else {
        const code = randomBytes(16).toString("hex");
        codes.set(code, {
          user: { ...provider.user },
          redirectUri: query.get("redirect_uri")!,
          challenge: query.get("code_challenge"),
        });
        redirect.searchParams.set("code", code);
      }
      res.writeHead(302, { location: redirect.toString() });
      return res.end();
    }
    if (req.method === "POST" && url.pathname === "/token") {
      provider.tokenRequests++;
      const form = new URLSearchParams(await readBody(req));
      const issued = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      if (form.get("client_id") !== provider.clientId || form.get("client_secret") !== provider.clientSecret)
        return json(401, { error: "invalid_client" });
      if (!issued || form.get("grant_type") !== "authorization_code" || form.get("redirect_uri") !== issued.redirectUri)
        return json(400, { error: "invalid_grant" });
      if (issued.challenge !== null) {
        const verifier = form.get("code_verifier") ?? "";
        if (createHash("sha256").update(verifier).digest("base64url") !== issued.challenge)
          return json(400, { error: "invalid_grant", error_description: "PKCE verification failed" });
      }
      const accessToken = randomBytes(16).toString("hex");
      tokens.set(accessToken, issued.user);
      return json(200, {
        access_token: accessToken,
        token_type: "Bearer",
        refresh_token: randomBytes(8).toString("hex"),
        expires_in: 3600,
      });
    }
    if (req.method === "GET" && url.pathname === "/user") {
      const user = tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
      return user ? json(200, user) : json(401, { error: "invalid_token" });
    }
    json(404, { error: "not_found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  provider.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return provider;
}
