/** The contract every client auth strategy implements: add credentials, and refresh once on 401. */

/** How requests are authenticated. */
export interface AuthStrategy {
  readonly kind: "cookie" | "bearer" | "apiKey" | "jwt" | "oidc";
  /** Adds credentials to an outgoing request's headers. */
  authorize(headers: Headers): void | Promise<void>;
  /** After a 401: obtain new credentials; true when the request may be retried once. */
  refresh?(): Promise<boolean>;
  /** A 401 survived the refresh: the session is over (redirect to login, clear state). */
  onUnauthorized?(): void;
  /** `fetch` credentials mode this strategy needs (cookies: "include"). */
  readonly credentials?: RequestCredentials;
}
