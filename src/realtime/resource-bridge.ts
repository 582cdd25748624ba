/**
 * The resource internals realtime builds on, imported in this one file. Subscriptions are the live
 * face of a resource: they reuse its access rules, query parsing, SQL helpers and row
 * presentation instead of copying them, so a subscription can never disagree with the list
 * endpoint. (The resource's public index cannot be used here: it mounts these routes itself.)
 */
export { resolveAccess, type Access } from "../resource/access";
export { aggregateGroups } from "../resource/aggregate-handler";
export { encodeCursor, keysetCondition, orderByTerms } from "../resource/cursor";
export { columnsToFetch, parseBoolean, parseListQuery, type ListQuery } from "../resource/list-query";
export { presentRows } from "../resource/present";
export { allOf, byId, countRows, findRow, selectRows } from "../resource/queries";
export { parseId } from "../resource/rows";
export { hookContext, type ResourceRuntime } from "../resource/runtime";
export { isLiveRow, withLive } from "../resource/soft-delete";
export { parseInclude } from "../resource/relations/include-parser";
export { attachIncludes } from "../resource/relations/load";
export { planIncludes, sourceKeysOf, type IncludePlan } from "../resource/relations/plan";
export { relationsOf } from "../resource/relations/resolve";
export type { TableInfo } from "../resource/table-info";
export type { AnyDatabase } from "../kernel/dialect";
export type { HookContext } from "../resource/types";
export type { CovaraEnv } from "../kernel/http";

import type { ResourceRuntime as Runtime } from "../resource/runtime";
import type { HookContext as Context } from "../resource/types";
// Realtime handles every mounted resource alike and never calls the table-typed hooks with its own
// rows, so it holds runtimes and hook contexts with the table type erased.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRuntime = Runtime<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyHookContext = Context<any>;
