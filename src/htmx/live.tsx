/**
 * `<Live>`: the one special element of an htmx page. In a page response it reads through the
 * resource's own endpoints (as the request's user) — the list for a row region, `/aggregate` for
 * an aggregate region — and renders with the app's render functions; when a live endpoint
 * re-renders the page it only records its props.
 */
import { getTableName, type Table } from "drizzle-orm";
import { useContext } from "hono/jsx";
import type { ProblemDocument } from "../kernel/errors";
import { assumeType } from "../kernel/erased";
import { ErrorFragment, ErrorSlot } from "./fragments";
import { aggregateDomId, liveEndpoint, liveHelpers } from "./helpers";
import { aggregateParameters, listParameters } from "./query";
import {
  type CapturedAggregate,
  type CapturedRegion,
  isSubscribable,
  PageRenderContext,
  type PageRenderState,
} from "./render-state";
import type { LiveAggregateProps, LiveGroup, LiveProps, LiveRow } from "./types";

/** The region, showing a refusal (401/403, a bad query) where its content would be. */
async function refusedRegion(id: string, response: Response) {
  const problem = assumeType<ProblemDocument>(await response.json());
  return (
    <div class="covara-live" data-covara-live={id}>
      <ErrorSlot regionId={id}>
        <ErrorFragment problem={problem} />
      </ErrorSlot>
    </div>
  );
}

/** Lists the region's rows and renders the region. */
async function renderRegion(state: PageRenderState, region: CapturedRegion) {
  const { props, id } = region;
  const helpers = liveHelpers(id, isSubscribable(region.resource));
  const response = await state.forward("GET", region.resource.path, { query: listParameters(props.query) });
  if (!response.ok) return refusedRegion(id, response);
  // The list endpoint of this very table answered: its items are its presented rows.
  const { items } = assumeType<{ items: LiveRow<Table>[] }>(await response.json());
  const rows = items.map((row) => props.render(row, helpers));
  return (
    <div class="covara-live" data-covara-live={id}>
      {props.create?.(helpers)}
      <ErrorSlot regionId={id} />
      {props.container ? props.container(rows, helpers) : <div {...helpers.container()}>{rows}</div>}
    </div>
  );
}

/** Computes the aggregate and renders the region. */
async function renderAggregate(state: PageRenderState, region: CapturedAggregate) {
  const { props, id } = region;
  const response = await state.forward("GET", `${region.resource.path}/aggregate`, {
    query: aggregateParameters(props.aggregate),
  });
  if (!response.ok) return refusedRegion(id, response);
  const { groups } = assumeType<{ groups: LiveGroup[] }>(await response.json());
  return (
    <div class="covara-live covara-aggregate" data-covara-live={id}>
      <div
        id={aggregateDomId(id)}
        data-covara-aggregate={id}
        data-covara-stream={isSubscribable(region.resource) ? liveEndpoint(id, "stream") : undefined}
      >
        {props.render(groups)}
      </div>
    </div>
  );
}

/**
 * A live region: the rows of `resource` matching `query`, rendered by `render` inside `container`,
 * with an optional `create` form. Rows created, changed or deleted by anyone appear, change and
 * disappear in place in every tab, each tab seeing only what its user may read.
 */
export function Live<TTable extends Table>(props: LiveProps<TTable>): ReturnType<typeof renderRegion> | null;
/** A live aggregate: the groups of `GET /aggregate` for `aggregate`, re-rendered whenever they change. */
export function Live<TTable extends Table>(
  props: LiveAggregateProps<TTable>,
): ReturnType<typeof renderAggregate> | null;
export function Live<TTable extends Table>(props: LiveProps<TTable> | LiveAggregateProps<TTable>) {
  const state = useContext(PageRenderContext);
  if (!state) throw new TypeError("covara/htmx: <Live> renders only inside a page registered with app.page()");
  const resource = state.resources(props.resource);
  if (!resource) {
    throw new TypeError(
      `covara/htmx: <Live resource={${getTableName(props.resource)}}> names a table that is not mounted on this app with app.resource()`,
    );
  }
  const id = `${state.pageIndex}-${state.nextOrdinal++}`;
  if (props.aggregate !== undefined) {
    const region: CapturedAggregate = { id, props: assumeType<LiveAggregateProps<Table>>(props), resource };
    if (state.mode === "capture") {
      state.captured.set(id, region);
      return null;
    }
    return renderAggregate(state, region);
  }
  // Row types only narrow the render functions' parameter; the region handles rows of this table.
  const region: CapturedRegion = { id, props: assumeType<LiveProps<Table>>(props), resource };
  if (state.mode === "capture") {
    state.captured.set(id, region);
    return null;
  }
  return renderRegion(state, region);
}
