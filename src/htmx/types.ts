/**
 * The types of covara/htmx: `<Live>`'s props, the helpers its render functions receive, and the
 * attribute bags those helpers return. A leaf: it imports only types.
 */
import type { InferSelectModel, Table } from "drizzle-orm";
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { CovaraEnv } from "../kernel/http";

/** What a region lists: the list endpoint's own parameters (RSQL `filter`, `orderBy`, `select`, `include`, `limit`). */
export interface LiveQuery {
  filter?: string;
  orderBy?: string;
  select?: string;
  include?: string;
  /**
   * Most rows the region shows (clamped by the resource's `pagination.maxLimit`).
   * @default 100
   */
  limit?: number;
}

/** Plain HTML/htmx attributes, spread onto an element: `<form {...c.create()}>`. */
export type LiveAttributes = Record<string, string>;

/** The helpers a region's render functions receive; each returns plain htmx attributes. */
export interface LiveHelpers {
  /** On the `<form>` that creates a row: posts it and appends the answer to the region's container. */
  create(): LiveAttributes;
  /** On the element that wraps one row: the id live updates find it by. */
  row(id: unknown): LiveAttributes;
  /** On a form or control that updates the row (`values` are sent as well, e.g. `{ done: true }`); the answer replaces the row. */
  update(id: unknown, values?: Record<string, string | number | boolean | null>): LiveAttributes;
  /** On a control that deletes the row: the row disappears at once (optimistic), and comes back if the server refuses. */
  delete(id: unknown): LiveAttributes;
  /** On the element that holds the rows: where created rows go and what the live stream patches. */
  container(): LiveAttributes;
}

/** A row as a region renders it: the table's row type (masked columns are absent at run time). */
export type LiveRow<TTable extends Table> = InferSelectModel<TTable>;

/** What an aggregate region computes: `GET /aggregate`'s own parameters. */
export interface LiveAggregateQuery {
  groupBy?: string;
  sum?: string;
  avg?: string;
  min?: string;
  max?: string;
  filter?: string;
  having?: string;
  orderBy?: string;
  limit?: number;
}

/** One group of an aggregate: the group fields, `count`, and `<function>_<field>` metrics. */
export type LiveGroup = Record<string, unknown>;

/** The props of an aggregate `<Live>`: the groups, recomputed and re-rendered live. */
export interface LiveAggregateProps<TTable extends Table> {
  /** The Drizzle table of a resource mounted on this app. */
  resource: TTable;
  /** Which groups and metrics (`{ groupBy: "done" }`: a count per value of `done`). */
  aggregate: LiveAggregateQuery;
  /** The groups as HTML; re-rendered whenever a change to the resource changes them. */
  render: (groups: LiveGroup[]) => Child;
}

/** The props of a row `<Live>`. */
export interface LiveProps<TTable extends Table> {
  /** The Drizzle table of a resource mounted on this app (`app.resource(path, table, ...)`). */
  resource: TTable;
  /** Which rows, in which order. */
  query?: LiveQuery;
  /** One row; its outer element must spread `c.row(id)`. */
  render: (row: LiveRow<TTable>, c: LiveHelpers) => Child;
  /** The element around the rows; it must spread `c.container()` (default: a `<div>`). */
  container?: (rows: Child[], c: LiveHelpers) => Child;
  /** The form that creates rows (spreading `c.create()`); validation errors show right after it. */
  create?: (c: LiveHelpers) => Child;
  /** Row regions have none (see `LiveAggregateProps`). */
  aggregate?: undefined;
}

/** What a page component receives: the request's context and the CSP nonce of this response. */
export interface PageProps {
  c: Context<CovaraEnv>;
  /** Put it on any `<script>` or `<style>` of your own: the page's CSP allows only these. */
  nonce: string;
}

/** A page: a hono/jsx component rendering the page's body. */
export type PageComponent = (props: PageProps) => Child | Promise<Child>;

/** Options of `app.page(path, Component, options)`. */
export interface PageOptions {
  /** The document's `<title>`. */
  title?: string;
  /**
   * Send a Content-Security-Policy that allows only same-origin resources and this response's
   * nonce for scripts and styles; false when the app sets its own (give it `nonce` from the props).
   * @default true
   */
  csp?: boolean;
  /**
   * Include covara's small default stylesheet.
   * @default true
   */
  styles?: boolean;
}
