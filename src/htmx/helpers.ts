/**
 * The attribute helpers of a live region (`c.create()`, `c.row(id)`, ...): plain htmx attributes
 * pointing at the region's endpoints under `/__covara/live/<region>`. Nothing here is a component;
 * the page's markup stays the app's own.
 */
import type { LiveAttributes, LiveHelpers } from "./types";

/** Where a region's endpoints live. */
export const LIVE_BASE = "/__covara/live";

/** The endpoint path of a region's `action` (`create`, `list`, `stream`, `update/<id>`, ...). */
export function liveEndpoint(regionId: string, action: string): string {
  return `${LIVE_BASE}/${regionId}/${action}`;
}

/** The DOM id of a region's container. */
export function containerDomId(regionId: string): string {
  return `covara-list-${regionId}`;
}

/** The DOM id of an aggregate region's content. */
export function aggregateDomId(regionId: string): string {
  return `covara-aggregate-${regionId}`;
}

/** The DOM id of a region's error slot, where refused writes show their error fragment. */
export function errorsDomId(regionId: string): string {
  return `covara-errors-${regionId}`;
}

/** A row id as it appears in URLs and attributes. */
function idText(id: unknown): string {
  return String(id);
}

/** The helpers of region `regionId`; `live: false` for a resource without subscriptions (no stream to open). */
export function liveHelpers(regionId: string, live = true): LiveHelpers {
  const rowTarget = "closest [data-covara-row]";
  return {
    create: () => ({
      "hx-post": liveEndpoint(regionId, "create"),
      "hx-target": `#${containerDomId(regionId)}`,
      "hx-swap": "beforeend",
      "data-covara-create": regionId,
    }),
    row: (id) => ({
      id: `covara-row-${regionId}-${encodeURIComponent(idText(id))}`,
      "data-covara-row": idText(id),
    }),
    update: (id, values) => {
      const attributes: LiveAttributes = {
        "hx-patch": liveEndpoint(regionId, `update/${encodeURIComponent(idText(id))}`),
        "hx-target": rowTarget,
        "hx-swap": "outerHTML",
      };
      if (values !== undefined) attributes["hx-vals"] = JSON.stringify(values);
      return attributes;
    },
    delete: (id) => ({
      "hx-delete": liveEndpoint(regionId, `delete/${encodeURIComponent(idText(id))}`),
      "hx-target": rowTarget,
      "hx-swap": "outerHTML",
      "data-covara-optimistic": "delete",
    }),
    container: () => {
      const attributes: LiveAttributes = {
        id: containerDomId(regionId),
        "data-covara-region": regionId,
        // The runtime fires covara:refresh when the stream says it lost track (`invalidate`).
        "hx-get": liveEndpoint(regionId, "list"),
        "hx-trigger": "covara:refresh",
      };
      if (live) attributes["data-covara-stream"] = liveEndpoint(regionId, "stream");
      return attributes;
    },
  };
}
