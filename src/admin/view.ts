/** What every admin page handler receives: the request, the admin, and the app's services. */
import type { Context, Hono } from "hono";
import type { CovaraContext } from "../kernel/context";
import type { CovaraEnv } from "../kernel/http";
import type { ResourceHandle } from "../resource/extension";
import type { AdminAssetUrls } from "./assets";
import type { AuditRecorder } from "./audit";
import type { AdminPrincipal } from "./predicate";
import type { AdminAuditStore, AdminLogSource, AdminUserManager } from "./types";

/** A resource of the app as the data explorer reaches it. */
export interface AdminResource {
  /** Its full path (`/api/todos`). */
  path: string;
  handle: ResourceHandle;
}

/** The app's parts the admin pages use. */
export interface AdminServices {
  app: Pick<Hono<CovaraEnv>, "fetch">;
  context: CovaraContext;
  base: string;
  resources(): readonly AdminResource[];
  users: AdminUserManager | undefined;
  audit: AdminAuditStore;
  record: AuditRecorder;
  /** The request/error log, when the app keeps one. */
  logs: AdminLogSource | undefined;
}

/** One admin request. */
export interface AdminView {
  c: Context<CovaraEnv>;
  admin: AdminPrincipal;
  /** The CSRF token of this admin, for every form. */
  csrf: string;
  /** This response's CSP nonce. */
  nonce: string;
  assets: AdminAssetUrls;
  services: AdminServices;
}
