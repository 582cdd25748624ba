/**
 * JWT sessions (`jwtSession()` on the server): the access token from `/login` goes out as a
 * bearer token and is kept in a pluggable TokenStorage; on a 401 the client calls `/refresh` once
 * (the HttpOnly refresh cookie, or a stored refresh token for clients without cookies) and retries.
 */
import { errorFromResponse } from "../errors";
import { callAuthRouter, type AuthRouterOptions } from "./http";
import { AuthStateStore, type InteractiveAuth } from "./state";
import type { AuthStrategy } from "./strategy";
import { defaultTokenStorage, type TokenStorage } from "./token-storage";

export interface JWTClientOptions extends AuthRouterOptions {
  /** Default: localStorage in browsers, memory elsewhere. */
  storage?: TokenStorage;
  /** Key prefix in storage. Default "covara.jwt". */
  storageKey?: string;
  /** Called when the session cannot be refreshed (redirect to login). */
  onSessionExpired?: () => void;
}

interface TokenAnswer<User> {
  user?: User;
  accessToken: string;
  refreshToken?: string;
}

/** A JWT session client; also the `jwt` auth strategy of a covara client. */
export class JWTClient<User = Record<string, unknown>> implements AuthStrategy, InteractiveAuth<User> {
  readonly kind = "jwt";
  readonly credentials: RequestCredentials = "include";
  readonly state = new AuthStateStore<User>();
  private readonly options: JWTClientOptions;
  private readonly storage: TokenStorage;
  private accessToken: string | null | undefined;
  private loaded: Promise<void> | undefined;

  constructor(options: JWTClientOptions = {}) {
    this.options = options;
    this.storage = options.storage ?? defaultTokenStorage();
  }

  private key(name: string): string {
    return `${this.options.storageKey ?? "covara.jwt"}.${name}`;
  }

  /** The current access token (loaded from storage on first use). */
  async getAccessToken(): Promise<string | null> {
    this.loaded ??= Promise.resolve(this.storage.getItem(this.key("access"))).then((token) => {
      if (this.accessToken === undefined) this.accessToken = token;
    });
    await this.loaded;
    return this.accessToken ?? null;
  }

  async authorize(headers: Headers): Promise<void> {
    const token = await this.getAccessToken();
    if (token) headers.set("authorization", `Bearer ${token}`);
  }

  /** Loads the signed-in user: `/me` with the stored token, refreshing once if it expired. */
  async init(): Promise<void> {
    let res = await this.call("GET", "/me");
    if (res.status === 401 && (await this.refresh())) res = await this.call("GET", "/me");
    if (res.ok) this.state.set({ status: "authenticated", user: ((await res.json()) as { user: User }).user });
    else this.state.set({ status: "anonymous", user: null });
  }

  async login(email: string, password: string): Promise<User> {
    return this.signIn("/login", { email, password });
  }

  async signup(email: string, password: string, name?: string): Promise<User> {
    return this.signIn("/signup", { email, password, ...(name ? { name } : {}) });
  }

  /** Spends the refresh token for a new access token; false when the session is over. */
  async refresh(): Promise<boolean> {
    const refreshToken = await this.storage.getItem(this.key("refresh"));
    const res = await this.call("POST", "/refresh", refreshToken ? { refreshToken } : undefined, false).catch(
      () => undefined,
    );
    if (!res?.ok) return false;
    await this.store((await res.json()) as TokenAnswer<User>);
    return true;
  }

  onUnauthorized(): void {
    this.clear().catch(() => undefined);
    this.options.onSessionExpired?.();
  }

  async logout(): Promise<void> {
    const refreshToken = await this.storage.getItem(this.key("refresh"));
    await this.call("POST", "/logout", refreshToken ? { refreshToken } : undefined).catch(() => undefined);
    await this.clear();
  }

  private async clear(): Promise<void> {
    this.accessToken = null;
    await this.storage.removeItem(this.key("access"));
    await this.storage.removeItem(this.key("refresh"));
    this.state.set({ status: "anonymous", user: null });
  }

  private async signIn(path: string, body: object): Promise<User> {
    const res = await this.call("POST", path, body, false);
    const data = (await res.json().catch(() => undefined)) as TokenAnswer<User> | undefined;
    if (!res.ok || !data) throw errorFromResponse(res.status, data);
    await this.store(data);
    return data.user as User;
  }

  private async store(answer: TokenAnswer<User>): Promise<void> {
    this.accessToken = answer.accessToken;
    await this.storage.setItem(this.key("access"), answer.accessToken);
    if (answer.refreshToken) await this.storage.setItem(this.key("refresh"), answer.refreshToken);
    if (answer.user !== undefined) this.state.set({ status: "authenticated", user: answer.user });
  }

  private async call(method: string, path: string, body?: object, withToken = true): Promise<Response> {
    const headers = new Headers();
    if (withToken) await this.authorize(headers);
    return callAuthRouter(this.options, method, path, body, headers);
  }
}

// On globalThis so that two copies of this module (two bundles, a hot reload) share one client.
const DEFAULT = Symbol.for("covara.client.jwt");
type Holder = { [DEFAULT]?: JWTClient<unknown> };

/** Creates the app-wide JWT client (what `useJWTAuth` and auto-detection use). */
export function initJWTClient<User = Record<string, unknown>>(options: JWTClientOptions = {}): JWTClient<User> {
  const client = new JWTClient<User>(options);
  (globalThis as Holder)[DEFAULT] = client as JWTClient<unknown>;
  return client;
}

/** The client made by initJWTClient, if any. */
export function getJWTClient<User = Record<string, unknown>>(): JWTClient<User> | undefined {
  return (globalThis as Holder)[DEFAULT] as JWTClient<User> | undefined;
}
