/** Picks the auth strategy from a client's `auth` option, or auto-detects it. */
import { getJWTClient, JWTClient, type JWTClientOptions } from "./jwt-client";
import { OIDCClient, type OIDCClientOptions } from "./oidc-client";
import { apiKeyAuth, bearerAuth, CookieAuth, type CookieAuthOptions } from "./simple";
import type { AuthStrategy } from "./strategy";

/** Every way to say how a client authenticates. */
export type AuthOption =
  | AuthStrategy
  | "cookie"
  | "jwt"
  | ({ strategy: "cookie" } & CookieAuthOptions)
  | ({ strategy: "jwt" } & JWTClientOptions)
  | ({ strategy?: "oidc" } & OIDCClientOptions)
  | { strategy?: "bearer"; token: string | (() => string | null | undefined | Promise<string | null | undefined>) }
  | { strategy?: "apiKey"; apiKey: string; header?: string };

const isStrategy = (value: unknown): value is AuthStrategy =>
  typeof (value as { authorize?: unknown })?.authorize === "function";

/**
 * The strategy for `auth`. Without one: the JWT client made by initJWTClient when there is one,
 * else cookie sessions (which also covers apps with no auth at all: cookies are simply absent).
 */
export function resolveAuth(auth: AuthOption | undefined, baseUrl: string): AuthStrategy {
  if (auth === undefined) return getJWTClient() ?? new CookieAuth({ baseUrl });
  if (isStrategy(auth)) return auth;
  if (auth === "cookie") return new CookieAuth({ baseUrl });
  if (auth === "jwt") return getJWTClient() ?? new JWTClient({ baseUrl });
  if ("issuer" in auth) return new OIDCClient(auth);
  if ("token" in auth) return bearerAuth(auth.token);
  if ("apiKey" in auth) return apiKeyAuth(auth.apiKey, auth.header);
  if (auth.strategy === "jwt") return new JWTClient({ baseUrl, ...auth });
  return new CookieAuth({ baseUrl, ...auth });
}
