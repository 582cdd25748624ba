/**
 * OIDC authorization code + PKCE against `covara/oidc` (or any OpenID provider): `login()` sends
 * the browser to /authorize with an S256 challenge, `handleCallback()` checks `state`, trades the
 * code for tokens and checks the id_token's nonce, `refresh()` rotates the refresh token, and
 * `logout()` ends the provider session (RP-initiated logout).
 */
import { CovaraClientError, errorFromResponse } from "../errors";
import type { FetchLike } from "../transport";
import { decodeJwtPayload, pkceChallenge, randomToken } from "./pkce";
import { AuthStateStore, type InteractiveAuth } from "./state";
import type { AuthStrategy } from "./strategy";
import { defaultTokenStorage, type TokenStorage } from "./token-storage";

export interface OIDCClientOptions {
  /** The provider's issuer URL (where `covara/oidc` is mounted). */
  issuer: string;
  clientId: string;
  redirectUri: string;
  /** Default "openid profile email offline_access". */
  scope?: string;
  postLogoutRedirectUri?: string;
  storage?: TokenStorage;
  fetch?: FetchLike;
  /** How to send the browser somewhere. Default: `location.assign`. */
  navigate?: (url: string) => void;
  storageKey?: string;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint?: string;
  end_session_endpoint?: string;
}

interface Tokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in?: number;
}

/** An OIDC public client; also the `oidc` auth strategy of a covara client. */
export class OIDCClient<User = Record<string, unknown>> implements AuthStrategy, InteractiveAuth<User> {
  readonly kind = "oidc";
  readonly state = new AuthStateStore<User>();
  private readonly options: OIDCClientOptions;
  private readonly storage: TokenStorage;
  private discovery: Promise<Discovery> | undefined;

  constructor(options: OIDCClientOptions) {
    this.options = options;
    this.storage = options.storage ?? defaultTokenStorage();
  }

  private key(name: string): string {
    return `${this.options.storageKey ?? "covara.oidc"}.${name}`;
  }

  private fetch(input: string, init?: RequestInit): Promise<Response> {
    return (this.options.fetch ?? ((i: string, n?: RequestInit) => fetch(i, n)))(input, init);
  }

  /** The provider's discovery document (fetched once). */
  discover(): Promise<Discovery> {
    this.discovery ??= (async () => {
      const res = await this.fetch(`${this.options.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`, {
        headers: { accept: "application/json" },
      });
      const body = await res.json().catch(() => undefined);
      if (!res.ok) throw errorFromResponse(res.status, body);
      return body as Discovery;
    })();
    this.discovery.catch(() => (this.discovery = undefined));
    return this.discovery;
  }

  /** Builds the authorize URL, remembers verifier/state/nonce, and navigates there. */
  async login(options: { prompt?: string; loginHint?: string; navigate?: boolean } = {}): Promise<string> {
    const { authorization_endpoint } = await this.discover();
    const verifier = randomToken(32);
    const state = randomToken(16);
    const nonce = randomToken(16);
    await this.storage.setItem(this.key("pending"), JSON.stringify({ verifier, state, nonce }));
    const url = new URL(authorization_endpoint);
    const params: Record<string, string | undefined> = {
      response_type: "code",
      client_id: this.options.clientId,
      redirect_uri: this.options.redirectUri,
      scope: this.options.scope ?? "openid profile email offline_access",
      state,
      nonce,
      code_challenge: await pkceChallenge(verifier),
      code_challenge_method: "S256",
      prompt: options.prompt,
      login_hint: options.loginHint,
    };
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
    const href = url.toString();
    if (options.navigate !== false) this.navigate(href);
    return href;
  }

  /** True when `url` is the redirect back from the provider (has `code` or `error`, and `state`). */
  isCallback(url: string): boolean {
    const params = new URL(url).searchParams;
    return params.has("state") && (params.has("code") || params.has("error"));
  }

  /** Completes the login from the redirect URL; returns the signed-in user. */
  async handleCallback(
    url: string = (globalThis as { location?: { href: string } }).location?.href ?? "",
  ): Promise<User> {
    const params = new URL(url).searchParams;
    const pendingText = await this.storage.getItem(this.key("pending"));
    await this.storage.removeItem(this.key("pending"));
    const pending = pendingText
      ? (JSON.parse(pendingText) as { verifier: string; state: string; nonce: string })
      : undefined;
    if (!pending || params.get("state") !== pending.state) {
      throw new CovaraClientError(400, {
        code: "INVALID_STATE",
        detail: "The login callback's state does not match the login this client started",
      });
    }
    const error = params.get("error");
    if (error)
      throw new CovaraClientError(401, { code: error.toUpperCase(), detail: params.get("error_description") ?? error });
    const code = params.get("code");
    if (!code) throw new CovaraClientError(400, { code: "INVALID_REQUEST", detail: "The callback has no code" });
    const tokens = await this.token({
      grant_type: "authorization_code",
      code,
      redirect_uri: this.options.redirectUri,
      code_verifier: pending.verifier,
    });
    const claims = tokens.id_token ? decodeJwtPayload(tokens.id_token) : undefined;
    if (tokens.id_token && claims?.nonce !== pending.nonce) {
      throw new CovaraClientError(401, {
        code: "INVALID_NONCE",
        detail: "The id_token's nonce does not match the login",
      });
    }
    await this.store(tokens);
    await this.init();
    const user = this.state.get().user;
    if (!user) throw new CovaraClientError(401, { code: "UNAUTHORIZED", detail: "The provider did not return a user" });
    return user;
  }

  async getAccessToken(): Promise<string | null> {
    return this.storage.getItem(this.key("access"));
  }

  async authorize(headers: Headers): Promise<void> {
    const token = await this.getAccessToken();
    if (token) headers.set("authorization", `Bearer ${token}`);
  }

  /** Trades the refresh token for new tokens; false when there is none or it was refused. */
  async refresh(): Promise<boolean> {
    const refreshToken = await this.storage.getItem(this.key("refresh"));
    if (!refreshToken) return false;
    try {
      await this.store(await this.token({ grant_type: "refresh_token", refresh_token: refreshToken }));
      return true;
    } catch {
      return false;
    }
  }

  onUnauthorized(): void {
    this.state.set({ status: "anonymous", user: null });
  }

  /** Loads the user from /userinfo with the stored access token (refreshing once). */
  async init(): Promise<void> {
    const { userinfo_endpoint } = await this.discover();
    if (!userinfo_endpoint || !(await this.getAccessToken()))
      return this.state.set({ status: "anonymous", user: null });
    const ask = async (): Promise<Response> => {
      const headers = new Headers({ accept: "application/json" });
      await this.authorize(headers);
      return this.fetch(userinfo_endpoint, { headers });
    };
    let res = await ask();
    if (res.status === 401 && (await this.refresh())) res = await ask();
    this.state.set(
      res.ok ? { status: "authenticated", user: (await res.json()) as User } : { status: "anonymous", user: null },
    );
  }

  /** Forgets the tokens and, when the provider supports it, ends its session too. */
  async logout(options: { navigate?: boolean } = {}): Promise<void> {
    const idToken = await this.storage.getItem(this.key("id"));
    for (const name of ["access", "refresh", "id"]) await this.storage.removeItem(this.key(name));
    this.state.set({ status: "anonymous", user: null });
    const { end_session_endpoint } = await this.discover();
    if (!end_session_endpoint || options.navigate === false) return;
    const url = new URL(end_session_endpoint);
    url.searchParams.set("client_id", this.options.clientId);
    if (idToken) url.searchParams.set("id_token_hint", idToken);
    if (this.options.postLogoutRedirectUri)
      url.searchParams.set("post_logout_redirect_uri", this.options.postLogoutRedirectUri);
    this.navigate(url.toString());
  }

  private navigate(url: string): void {
    if (this.options.navigate) {
      this.options.navigate(url);
      return;
    }
    const location = (globalThis as { location?: { assign(url: string): void } }).location;
    if (!location)
      throw new CovaraClientError(0, { code: "NO_NAVIGATION", detail: "Pass `navigate` to log in outside a browser" });
    location.assign(url);
  }

  private async token(params: Record<string, string>): Promise<Tokens> {
    const { token_endpoint } = await this.discover();
    const res = await this.fetch(token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ ...params, client_id: this.options.clientId }).toString(),
    });
    const body = await res.json().catch(() => undefined);
    if (!res.ok) throw errorFromResponse(res.status, body);
    return body as Tokens;
  }

  private async store(tokens: Tokens): Promise<void> {
    await this.storage.setItem(this.key("access"), tokens.access_token);
    if (tokens.refresh_token) await this.storage.setItem(this.key("refresh"), tokens.refresh_token);
    if (tokens.id_token) await this.storage.setItem(this.key("id"), tokens.id_token);
  }
}
