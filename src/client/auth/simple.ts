/** The strategies that need no tokens of their own: cookie sessions, bearer tokens and API keys. */
import { errorFromResponse } from "../errors";
import { callAuthRouter, type AuthRouterOptions } from "./http";
import { AuthStateStore, type InteractiveAuth } from "./state";
import type { AuthStrategy } from "./strategy";

export interface CookieAuthOptions extends AuthRouterOptions {
  /** Called when a request is refused with 401 (e.g. redirect to the login page). */
  onUnauthorized?: () => void;
}

/** A cookie session (`cookieSession()` on the server): the browser carries the cookie. */
export class CookieAuth<User = Record<string, unknown>> implements AuthStrategy, InteractiveAuth<User> {
  readonly kind = "cookie";
  readonly credentials: RequestCredentials = "include";
  readonly state = new AuthStateStore<User>();
  private readonly options: CookieAuthOptions;

  constructor(options: CookieAuthOptions = {}) {
    this.options = options;
  }

  authorize(): void {}

  onUnauthorized(): void {
    this.state.set({ status: "anonymous", user: null });
    this.options.onUnauthorized?.();
  }

  async init(): Promise<void> {
    const res = await this.call("GET", "/me");
    this.state.set(
      res.ok
        ? { status: "authenticated", user: ((await res.json()) as { user: User }).user }
        : { status: "anonymous", user: null },
    );
  }

  /** Email + password sign-in through `POST /login`. */
  async login(email: string, password: string): Promise<User> {
    return this.signIn("/login", { email, password });
  }

  async signup(email: string, password: string, name?: string): Promise<User> {
    return this.signIn("/signup", { email, password, ...(name ? { name } : {}) });
  }

  async logout(): Promise<void> {
    await this.call("POST", "/logout").catch(() => undefined);
    this.state.set({ status: "anonymous", user: null });
  }

  private async signIn(path: string, body: object): Promise<User> {
    const res = await this.call("POST", path, body);
    const data = (await res.json().catch(() => undefined)) as { user: User } | undefined;
    if (!res.ok) throw errorFromResponse(res.status, data);
    this.state.set({ status: "authenticated", user: data!.user });
    return data!.user;
  }

  private call(method: string, path: string, body?: object): Promise<Response> {
    return callAuthRouter(this.options, method, path, body);
  }
}

/** A fixed or per-request bearer token (`Authorization: Bearer …`). */
export function bearerAuth(
  token: string | (() => string | null | undefined | Promise<string | null | undefined>),
): AuthStrategy {
  return {
    kind: "bearer",
    async authorize(headers) {
      const value = typeof token === "function" ? await token() : token;
      if (value) headers.set("authorization", `Bearer ${value}`);
    },
  };
}

/** An API key sent in a header (default `x-api-key`). */
export function apiKeyAuth(key: string, header = "x-api-key"): AuthStrategy {
  return {
    kind: "apiKey",
    authorize(headers) {
      headers.set(header, key);
    },
  };
}
