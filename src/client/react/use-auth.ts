/** `useAuth` (the client's strategy, or one chosen by name) and `useJWTAuth` (the initJWTClient client). */
import { useCallback, useEffect, useSyncExternalStore } from "react";
import { getJWTClient, type JWTClient } from "../auth/jwt-client";
import { OIDCClient } from "../auth/oidc-client";
import { CookieAuth } from "../auth/simple";
import { isInteractiveAuth, type AuthState, type InteractiveAuth } from "../auth/state";
import { useClient } from "./provider";

export interface UseAuthResult<User> {
  user: User | null;
  status: AuthState["status"];
  isAuthenticated: boolean;
  isLoading: boolean;
  /** Email + password (cookie, JWT), or the provider redirect (OIDC). */
  login(email?: string, password?: string): Promise<void>;
  logout(): Promise<void>;
  /** The strategy itself, for anything else it offers. */
  strategy: InteractiveAuth<User> | undefined;
}

const started = new WeakSet<object>();
const ANONYMOUS: AuthState<never> = { status: "anonymous", user: null };
const noSubscribe = (): (() => void) => () => {};

function useInteractive<User>(auth: InteractiveAuth<User> | undefined): UseAuthResult<User> {
  const state = useSyncExternalStore(
    auth ? auth.state.subscribe : noSubscribe,
    auth ? auth.state.get : () => ANONYMOUS,
    () => ANONYMOUS,
  ) as AuthState<User>;
  useEffect(() => {
    // Load the session once per strategy, however many components ask.
    if (!auth || started.has(auth)) return;
    started.add(auth);
    void auth.init().catch(() => auth.state.set({ status: "anonymous", user: null }));
  }, [auth]);
  const login = useCallback(
    async (email?: string, password?: string) => {
      if (auth instanceof OIDCClient) return void (await auth.login());
      if (auth instanceof CookieAuth || isJWT(auth)) return void (await auth.login(email ?? "", password ?? ""));
      throw new Error("This auth strategy has no login");
    },
    [auth],
  );
  const logout = useCallback(async () => auth?.logout(), [auth]);
  return {
    user: state.user,
    status: state.status,
    isAuthenticated: state.status === "authenticated",
    isLoading: state.status === "loading",
    login,
    logout,
    strategy: auth,
  };
}

function isJWT(auth: unknown): auth is JWTClient {
  return (
    (auth as { kind?: string } | undefined)?.kind === "jwt" && typeof (auth as { login?: unknown }).login === "function"
  );
}

/**
 * The signed-in user of the client's auth strategy (cookie, JWT or OIDC), auto-detected; or
 * `useAuth({ strategy: "jwt" })` for the initJWTClient client whatever the client uses.
 */
export function useAuth<User = Record<string, unknown>>(
  options: { strategy?: "cookie" | "jwt" | "oidc" } = {},
): UseAuthResult<User> {
  const client = useClient();
  let auth: unknown = client.auth;
  if (options.strategy === "jwt" && client.auth.kind !== "jwt") auth = getJWTClient<User>();
  else if (options.strategy && options.strategy !== client.auth.kind) {
    throw new Error(
      `covara/client/react: useAuth({ strategy: "${options.strategy}" }) but the client authenticates with "${client.auth.kind}"`,
    );
  }
  return useInteractive(isInteractiveAuth(auth) ? (auth as InteractiveAuth<User>) : undefined);
}

export interface UseJWTAuthResult<User> extends UseAuthResult<User> {
  login(email: string, password: string): Promise<void>;
  signup(email: string, password: string, name?: string): Promise<void>;
}

/** The session of the client made by `initJWTClient`. */
export function useJWTAuth<User = Record<string, unknown>>(): UseJWTAuthResult<User> {
  const jwt = getJWTClient<User>();
  if (!jwt) throw new Error("covara/client/react: call initJWTClient() before useJWTAuth()");
  const base = useInteractive<User>(jwt);
  const signup = useCallback(
    async (email: string, password: string, name?: string) => void (await jwt.signup(email, password, name)),
    [jwt],
  );
  return { ...base, login: (email: string, password: string) => base.login(email, password), signup };
}
