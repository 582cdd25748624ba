/**
 * `<Live>`: the one special element of an htmx page. In a page response it lists its rows through
 * the resource's own list endpoint (as the request's user) and renders them with the app's render
 * functions; when a live endpoint re-renders the page it only records its props.
 */
import { getTableName, type Table } from "drizzle-orm";
import { useContext } from "hono/jsx";
import type { ProblemDocument } from "../kernel/errors";
import { assumeType } from "../kernel/erased";
import { ErrorFragment, ErrorSlot } from "./fragments";
import { liveHelpers } from "./helpers";
import { listParameters } from "./query";
import { type CapturedRegion, PageRenderContext, type PageRenderState } from "./render-state";
import type { LiveProps, LiveRow } from "./types";

/** Lists the region's rows and renders the region. */
async function renderRegion(state: PageRenderState, region: CapturedRegion) {
  const { props, id } = region;
  const helpers = liveHelpers(id);
  const response = await state.forward("GET", region.resource.path, { query: listParameters(props.query) });
  if (!response.ok) {
    // The user may not read the resource (401/403) or the query is wrong: say so where the rows would be.
    const problem = assumeType<ProblemDocument>(await response.json());
    return (
      <div class="covara-live" data-covara-live={id}>
        <ErrorSlot regionId={id}>
          <ErrorFragment problem={problem} />
        </ErrorSlot>
      </div>
    );
  }
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

/**
 * A live region: the rows of `resource` matching `query`, rendered by `render` inside `container`,
 * with an optional `create` form. Rows created, changed or deleted by anyone appear, change and
 * disappear in place in every tab, each tab seeing only what its user may read.
 */
export function Live<TTable extends Table>(props: LiveProps<TTable>) {
  const state = useContext(PageRenderContext);
  if (!state) throw new TypeError("covara/htmx: <Live> renders only inside a page registered with app.page()");
  const resource = state.resources(props.resource);
  if (!resource) {
    throw new TypeError(`covara/htmx: <Live resource={${getTableName(props.resource)}}> names a table that is not mounted on this app with app.resource()`);
  }
  const region: CapturedRegion = {
    id: `${state.pageIndex}-${state.nextOrdinal++}`,
    // Row types only narrow the render functions' parameter; the region handles rows of this table.
    props: assumeType<LiveProps<Table>>(props),
    resource,
  };
  if (state.mode === "capture") {
    state.captured.set(region.id, region);
    return null;
  }
  return renderRegion(state, region);
}
