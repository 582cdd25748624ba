/**
 * Mounts the admin UI on an app at `/__covara/ui`, behind the admin guard and CSRF protection, and
 * installs the identity middleware that makes the scope bypass and impersonation work (only
 * here: an app without the UI has neither).
 */
import type { Context, Hono } from "hono";
import type { CovaraContext } from "../kernel/context";
import type { CovaraEnv } from "../kernel/http";
import { randomToken } from "../kernel/web-crypto";
import { adminAssetUrls, mountAdminAssets } from "./assets";
import { createAuditRecorder } from "./audit";
import { adminIdentity } from "./bypass";
import { createCsrfTokens } from "./csrf";
import { adminGuard, adminOf } from "./guard";
import { apiExplorerPage, executeApiCall } from "./pages/api-explorer";
import { auditPage } from "./pages/audit-page";
import { authPage, revokeCredential } from "./pages/auth-page";
import { downloadRow, liveRows, writeRow } from "./pages/data-actions";
import { dataPage } from "./pages/data-page";
import { logsPage } from "./pages/logs-page";
import { metricsPage } from "./pages/metrics-page";
import { overviewPage } from "./pages/overview";
import { replayTask, tasksPage } from "./pages/tasks-page";
import { createAdminPredicate } from "./predicate";
import { observabilityAuditStore, observabilityLogSource } from "./observability";
import type { AdminOptions } from "./types";
import type { AdminResource, AdminServices, AdminView } from "./view";

/** A path parameter of the UI's routes (each route names the ones it reads). */
function param(c: Context<CovaraEnv>, name: string): string {
  return c.req.param(name) ?? "";
}

/** Where the UI lives. */
export const ADMIN_BASE = "/__covara/ui";

/** What the app gives the UI besides its options. */
export interface AdminMountTarget {
  app: Hono<CovaraEnv>;
  context: CovaraContext;
  resources(): readonly AdminResource[];
}

/**
 * Installs the identity middleware on `target.app` (call it after authentication, before any
 * resource is mounted) and mounts the UI's routes.
 */
export function mountAdmin(target: AdminMountTarget, options: AdminOptions = {}): void {
  const { app, context } = target;
  const predicate = createAdminPredicate(options);
  const audit = options.audit ?? observabilityAuditStore(context);
  const record = createAuditRecorder(audit, () => context.logger);
  const csrf = createCsrfTokens(options.csrfSecret);
  const services: AdminServices = {
    app,
    context,
    base: ADMIN_BASE,
    resources: target.resources,
    users: options.userManager,
    audit,
    record,
    logs: options.logs ?? observabilityLogSource(context),
  };

  app.use("*", adminIdentity(context, predicate, options.userManager, record));
  app.use(ADMIN_BASE, adminGuard(predicate));
  app.use(`${ADMIN_BASE}/*`, adminGuard(predicate));
  app.use(`${ADMIN_BASE}/*`, csrf.protect(adminOf));
  mountAdminAssets(app, ADMIN_BASE);

  /** Runs a page handler with the request's admin, token, nonce and assets. */
  const page =
    (handler: (view: AdminView, c: Context<CovaraEnv>) => Promise<Response>) =>
    async (c: Context<CovaraEnv>): Promise<Response> => {
      const admin = adminOf(c);
      const view: AdminView = {
        c,
        admin,
        csrf: await csrf.tokenFor(admin),
        nonce: randomToken(16),
        assets: await adminAssetUrls(ADMIN_BASE),
        services,
      };
      return handler(view, c);
    };

  app.get(
    ADMIN_BASE,
    page((view) => overviewPage(view, "")),
  );
  app.get(
    `${ADMIN_BASE}/data`,
    page((view) => overviewPage(view, "data")),
  );
  app.get(
    `${ADMIN_BASE}/data/:name`,
    page((view, c) => dataPage(view, param(c, "name"))),
  );
  app.post(
    `${ADMIN_BASE}/data/:name/rows`,
    page((view, c) => writeRow(view, param(c, "name"), "create")),
  );
  app.post(
    `${ADMIN_BASE}/data/:name/rows/:id`,
    page((view, c) => writeRow(view, param(c, "name"), "update", param(c, "id"))),
  );
  app.post(
    `${ADMIN_BASE}/data/:name/rows/:id/delete`,
    page((view, c) => writeRow(view, param(c, "name"), "delete", param(c, "id"))),
  );
  app.get(
    `${ADMIN_BASE}/data/:name/rows/:id/download`,
    page((view, c) => downloadRow(view, param(c, "name"), param(c, "id"))),
  );
  app.get(
    `${ADMIN_BASE}/data/:name/live`,
    page((view, c) => liveRows(view, param(c, "name"))),
  );
  app.get(`${ADMIN_BASE}/api`, page(apiExplorerPage));
  app.post(`${ADMIN_BASE}/api`, page(executeApiCall));
  app.get(`${ADMIN_BASE}/audit`, page(auditPage));
  app.get(`${ADMIN_BASE}/logs`, page(logsPage));
  app.get(`${ADMIN_BASE}/metrics`, page(metricsPage));
  app.get(`${ADMIN_BASE}/tasks`, page(tasksPage));
  app.post(
    `${ADMIN_BASE}/tasks/:id/replay`,
    page((view, c) => replayTask(view, param(c, "id"))),
  );
  app.get(`${ADMIN_BASE}/auth`, page(authPage));
  app.post(
    `${ADMIN_BASE}/auth/users/:user/sessions/:id/revoke`,
    page((view, c) => revokeCredential(view, "session", param(c, "user"), param(c, "id"))),
  );
  app.post(
    `${ADMIN_BASE}/auth/users/:user/keys/:id/revoke`,
    page((view, c) => revokeCredential(view, "api_key", param(c, "user"), param(c, "id"))),
  );
}
