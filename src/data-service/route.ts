/**
 * Where the service's work on a table goes: through the resource mounted under the table's name
 * on the same database (its access rules, scopes, hooks), or straight to the table, as the
 * service's `writes` option routes it; and the request a resource sees for the acting user.
 */
import { Context } from "hono";
import type { AnyDatabase } from "../kernel/dialect";
import type { CovaraEnv } from "../kernel/http";
import { createPrincipal } from "../kernel/principal";
import { mountedResource, type ResourceHandle } from "../resource/write-port";
import type { DataActor, DataTables, WriteRoute } from "./types";

/** What routing needs of the service. */
export interface RouteTarget {
  db: AnyDatabase;
  tables: DataTables;
  writes: WriteRoute;
}

/** The resource that serves `name` for the service, or undefined when it goes to the table directly. */
export function routedResource(target: RouteTarget, name: string): ResourceHandle | undefined {
  const handle = target.writes === "table" ? undefined : mountedResource(target.db, name);
  if (handle && handle.table !== target.tables[name]!.table)
    throw new TypeError(
      `covara data service: the resource '${name}' serves another table than the service's '${name}'`,
    );
  if (!handle && target.writes === "resource")
    throw new TypeError(
      `covara data service: no resource '${name}' is mounted on this database, and writes: "resource" requires one`,
    );
  return handle;
}

/** The request the resources' scopes and hooks see: the caller's, or one standing for the actor outside a request. */
export function actingRequest(actor: DataActor | undefined): Context<CovaraEnv> {
  if (actor instanceof Context) return actor;
  const c = new Context<CovaraEnv>(new Request("http://covara.internal/data-service"));
  const user = actor?.user ?? null;
  c.set("user", user);
  c.set("principal", createPrincipal(user, actor?.memberships));
  return c;
}
