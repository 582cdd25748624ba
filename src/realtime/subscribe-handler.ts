/**
 * GET /subscribe — a live view of the rows matching `filter` within the subscriber's read scope.
 * Everything the list endpoint checks is checked the same way before the stream opens (read
 * access 401/403, filter/select/orderBy 400s), so a subscription can see exactly what a list can.
 */
import "./problems";
import type { Context } from "hono";
import { ProblemError } from "../kernel/errors";
import { compileRsqlPredicate, type RsqlNode, type RsqlPredicate } from "../kernel/rsql";
import { beginReplay, finishCatchUp, sendSnapshot, type CatchUpContext, type Replay } from "./catch-up";
import type { Realtime } from "./hub";
import { parseLastEventId } from "./last-event-id";
import { withoutLastEventId, type OpeningPlan } from "./open-cache";
import type { Registration } from "./registration";
import type { CovaraEnv } from "../kernel/http";
import type { Access, ListQuery, ResourceHandle, TableInfo } from "../resource/extension";
import { RowSubscription, type Rescoped } from "./row-subscription";
import { SseConnection } from "./sse-connection";
import { captureStreamAuth } from "./stream-auth";
import { eventStreamResponse, readyHub, refuseWhileShuttingDown } from "./stream-setup";

type Row = Record<string, unknown>;

let nextPrivateKey = 0;

/** The subscription's filter AND the read scope, as one in-memory predicate. */
function subscriptionPredicate(info: TableInfo, query: ListQuery, access: Access): RsqlPredicate {
  const nodes: RsqlNode[] = [];
  if (query.filter) nodes.push(query.filter);
  if (access.scope.kind === "filter") nodes.push(access.scope.node);
  if (nodes.length === 0) return () => true;
  const node: RsqlNode = nodes.length === 1 ? nodes[0]! : { type: "and", children: nodes };
  return compileRsqlPredicate(node, { fields: info.columns, operators: info.operators });
}

/** The shared predicate of a scope and a filter (its `filter` parameter, "" without one). */
function predicateKey(access: Access, filterText: string | undefined): string {
  return `${access.scopeKey}\n${filterText ?? ""}`;
}

/** Whether a row counts as present: soft-deleted rows leave the subscription unless `withDeleted`. */
function liveCheck(runtime: ResourceHandle, withDeleted: boolean): (row: Row) => boolean {
  if (runtime.info.softDeleteKey === null || withDeleted) return () => true;
  return (row) => runtime.isLive(row);
}

/** Parses and checks what the query string asks for (400s naming the parameter); shared by its openings. */
function planOpening(
  runtime: ResourceHandle,
  registration: Registration,
  params: Readonly<Record<string, string>>,
): OpeningPlan {
  const cap = registration.settings.maxSnapshotRows;
  const query = runtime.parseList(params, { defaultLimit: cap, maxLimit: cap });
  const snapshotText = params.snapshot;
  const withSnapshot = snapshotText === undefined ? true : runtime.parseFlag("snapshot", snapshotText);
  const includes = runtime.planIncludes(params.include);
  return { query, withSnapshot, includes, isLive: liveCheck(runtime, query.withDeleted) };
}

/** GET /subscribe */
export async function subscribeRows(
  runtime: ResourceHandle,
  registration: Registration,
  hub: Realtime,
  c: Context<CovaraEnv>,
): Promise<Response> {
  refuseWhileShuttingDown(hub);
  // Openings with the same query string parse it once, and once one got past the parameter
  // checks, share what it parsed (a reconnect storm repeats a handful of query strings).
  const url = c.req.url;
  const search = url.slice(url.indexOf("?") + 1 || url.length);
  const planSearch = withoutLastEventId(search);
  const parsed = registration.openCache.queryString(planSearch, () => {
    const params = c.req.query();
    delete params.lastEventId;
    return params;
  });
  const resumeAfter = parseLastEventId(c, () => (planSearch === search ? undefined : c.req.query("lastEventId")));
  const { info } = runtime;
  const access = await runtime.readAccess(c);
  const plan = (parsed.plan ??= planOpening(runtime, registration, parsed.params));
  const { query, withSnapshot, includes } = plan;
  const cap = registration.settings.maxSnapshotRows;
  const ctx = runtime.hookContext(c, "list", access.user);
  await runtime.beforeList(ctx);
  await readyHub(hub);

  const connection = new SseConnection(hub.settings.maxBufferedBytes, runtime.app.logger);
  const personal = info.computed.size > 0 || includes.length > 0;
  const scopeKey = access.scopeKey;
  // Openings with the same scope and filter share one predicate; with the same scope and query
  // string (but `lastEventId`) they share snapshots.
  const openKey = `${scopeKey}\n${planSearch}`;
  const filterText = parsed.params.filter;
  const cache = registration.openCache;
  // The subscriber's scope resolved again, as the list endpoint would resolve it for `fresh` now;
  // streams moved to the same new scope share its predicate too.
  const rescope = async (fresh: Context<CovaraEnv>): Promise<Rescoped> => {
    const current = await runtime.readAccess(fresh);
    return {
      matches: () =>
        cache.predicate(predicateKey(current, filterText), () => subscriptionPredicate(info, query, current)),
      scopeKey: current.scopeKey,
      ctx: personal ? runtime.hookContext(fresh, "list", current.user) : null,
    };
  };
  const subscription = new RowSubscription({
    connection,
    runtime,
    ctx: personal ? ctx : null,
    select: query.select,
    includes,
    matches: cache.predicate(predicateKey(access, filterText), () => subscriptionPredicate(info, query, access)),
    isLive: plan.isLive,
    // Computed fields and included relations depend on the user: each such subscriber gets its own presentation.
    presentKey: personal ? `#${++nextPrivateKey}` : (query.select?.join(",") ?? "*"),
    maxTrackedRows: Math.max(registration.settings.maxTrackedRows, cap),
    scopeKey,
    rescope,
  });
  // Attached before the position is read: every entry after it reaches the backlog.
  registration.rows.add(subscription);
  connection.onEnd(() => registration.rows.delete(subscription));
  const position = hub.position;
  subscription.cursor = position;
  const context: CatchUpContext = {
    runtime,
    registration,
    subscription,
    access,
    query,
    ctx,
    includes,
    position,
    retryMs: hub.settings.retryMs,
    paceBytes: Math.floor(hub.settings.maxBufferedBytes / 2),
    shareKey: personal || runtime.config.hooks?.onAfterList ? null : openKey,
  };
  let replay: Replay | null = null;
  try {
    if (resumeAfter === null) await sendSnapshot(context, withSnapshot);
    else
      replay = await beginReplay(context, hub.changelog, resumeAfter).catch((error: unknown) => {
        if (error instanceof ProblemError) throw error;
        hub.logger.error("covara realtime: reading the changelog to resume failed", error);
        throw new ProblemError("realtime-unavailable", {
          detail: "The changelog cannot be read to resume this subscription; retry shortly",
        });
      });
  } catch (error) {
    connection.end();
    throw error;
  }
  hub.attach(subscription);
  hub.reauthorizer.track(subscription, await captureStreamAuth(c), registration.settings.reauthorizeMs);
  void finishCatchUp(context, hub.changelog, replay);
  return eventStreamResponse(c.req.raw, connection);
}
