/**
 * covara/htmx (beta) — server-rendered pages with live regions: `<Live>` (the only special
 * element), the types of its props and helpers, and what `app.page()` takes. The vendored htmx
 * core's version and integrity are exported for apps that load it on pages of their own.
 */
export { Live } from "./live";
export { createLivePages } from "./pages";
export type { LivePages } from "./pages";
export type { LiveResource, ResourceLookup } from "./render-state";
export type {
  LiveAggregateProps,
  LiveAggregateQuery,
  LiveAttributes,
  LiveGroup,
  LiveHelpers,
  LiveProps,
  LiveQuery,
  LiveRow,
  PageComponent,
  PageOptions,
  PageProps,
} from "./types";
export { HTMX_INTEGRITY, HTMX_VERSION } from "./vendor/htmx-source";
export { HTMX_PROBLEM_TYPES } from "./problems";
