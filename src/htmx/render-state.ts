/**
 * The state of one rendering of a page, handed to every `<Live>` inside it through a hono/jsx
 * context. A page is rendered in two modes: `page` (the full HTML response: each region reads its
 * rows) and `capture` (a live endpoint re-renders the page for the same request to get the
 * region's render functions, so they close over this request's values, never another user's).
 */
import type { Table } from "drizzle-orm";
import type { Context } from "hono";
import { createContext } from "hono/jsx";
import type { CovaraEnv } from "../kernel/http";
import type { ResourceHandle } from "../resource/extension";
import type { ForwardInit } from "../kernel/forward";
import type { LiveAggregateProps, LiveProps } from "./types";

/** A resource mounted on the app, as a region reaches it: its full path and its handle. */
export interface LiveResource {
  path: string;
  handle: ResourceHandle;
}

/** Whether the resource serves `/subscribe` (not when its config says `subscriptions: false`). */
export function isSubscribable(resource: LiveResource): boolean {
  // Read by name: the key is declared by the subscriptions extension, which this layer does not import.
  return Reflect.get(resource.handle.config, "subscriptions") !== false;
}

/** Finds the mounted resource of a table. */
export type ResourceLookup = (table: Table) => LiveResource | undefined;

/** A region as one rendering declared it. */
export interface CapturedRegion {
  id: string;
  props: LiveProps<Table>;
  resource: LiveResource;
}

/** An aggregate region as one rendering declared it. */
export interface CapturedAggregate {
  id: string;
  props: LiveAggregateProps<Table>;
  resource: LiveResource;
}

/** One rendering of a page. */
export interface PageRenderState {
  mode: "page" | "capture";
  c: Context<CovaraEnv>;
  pageIndex: number;
  /** The next region's ordinal: regions are numbered in render order. */
  nextOrdinal: number;
  resources: ResourceLookup;
  /** Regions declared so far (capture mode). */
  captured: Map<string, CapturedRegion | CapturedAggregate>;
  /** Calls the app's own routes for this request (forwarding its credentials). */
  forward: (method: string, path: string, init?: ForwardInit) => Promise<Response>;
}

/** Set by the page renderer around the page component. */
export const PageRenderContext = createContext<PageRenderState | null>(null);
