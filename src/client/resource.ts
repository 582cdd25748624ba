/**
 * `client.resource(path)`: every endpoint of a covara resource as a typed method, with the ETag of
 * each row remembered so writes can send `If-Match`, and cursor iteration over pages.
 */
import { CovaraClientError } from "./errors";
import { openEventStream } from "./event-stream";
import type { Filter } from "./filter";
import type { QueryValue } from "./query-string";
import { asSubscription, subscribeStream, type Subscription, type SubscriptionHandlers } from "./subscribe";
import type { RequestOptions, Transport } from "./transport";
import type { ResourceTypeInfo, RowId, Selected } from "./types";

type FilterInput = Filter | string | undefined;
type FieldList<Row> = readonly (Extract<keyof Row, string> | (string & {}))[];

/** Parameters of the list endpoint. */
export interface ListParams<Row, S extends FieldList<Row> | undefined = undefined> {
  filter?: FilterInput;
  select?: S;
  include?: string | readonly string[];
  orderBy?: string;
  cursor?: string | null;
  limit?: number;
  totalCount?: boolean;
  withDeleted?: boolean;
  signal?: AbortSignal;
}

/** One page of rows. */
export interface Page<Row> {
  items: Row[];
  nextCursor: string | null;
  hasMore: boolean;
  totalCount?: number;
}

export interface WriteOptions {
  /** `true`: the ETag remembered for this id; a string: that ETag; `"*"`: any existing row. */
  ifMatch?: boolean | string;
  signal?: AbortSignal;
}

export interface AggregateParams {
  groupBy?: string | readonly string[];
  sum?: string | readonly string[];
  avg?: string | readonly string[];
  min?: string | readonly string[];
  max?: string | readonly string[];
  filter?: FilterInput;
  having?: FilterInput;
  orderBy?: string;
  limit?: number;
  withDeleted?: boolean;
  signal?: AbortSignal;
}

export interface SearchParams<Row> {
  filter?: FilterInput;
  select?: FieldList<Row>;
  limit?: number;
  cursor?: string | null;
  signal?: AbortSignal;
}

/** Query parameters of a subscription (the list's, plus snapshot control). */
export interface SubscribeQuery<Row> {
  filter?: FilterInput;
  select?: FieldList<Row>;
  include?: string | readonly string[];
  orderBy?: string;
  limit?: number;
  withDeleted?: boolean;
  /** `false`: no snapshot (the client listed first). */
  snapshot?: boolean;
}

const text = (filter: FilterInput): string | undefined =>
  filter === undefined ? undefined : String(filter) || undefined;

/** Turns list-style params into query parameters. */
export function listQuery(
  params: Omit<ListParams<object, FieldList<object>>, "signal"> & { snapshot?: boolean },
): Record<string, QueryValue> {
  return {
    filter: text(params.filter),
    select: params.select as readonly string[] | undefined,
    include: params.include as string | readonly string[] | undefined,
    orderBy: params.orderBy,
    cursor: params.cursor ?? undefined,
    limit: params.limit,
    totalCount: params.totalCount || undefined,
    withDeleted: params.withDeleted || undefined,
    snapshot: params.snapshot === false ? false : undefined,
  };
}

/** The typed client of one resource. */
export class ResourceClient<Info extends ResourceTypeInfo = ResourceTypeInfo> {
  readonly path: string;
  private readonly transport: Transport;
  private readonly etags = new Map<string, string>();

  constructor(transport: Transport, path: string) {
    this.transport = transport;
    this.path = path.endsWith("/") ? path.slice(0, -1) : path;
  }

  /** One page of rows. */
  async list<const S extends FieldList<Info["row"]> | undefined = undefined>(
    params: ListParams<Info["row"], S> = {},
  ): Promise<Page<Selected<Info["row"], S>>> {
    const res = await this.transport.request<Page<Selected<Info["row"], S>>>("GET", this.path, {
      query: listQuery(params),
      signal: params.signal,
    });
    return res.data;
  }

  /** Every page in turn, following `nextCursor` (`for await (const page of users.pages())`). */
  async *pages<const S extends FieldList<Info["row"]> | undefined = undefined>(
    params: ListParams<Info["row"], S> = {},
  ): AsyncGenerator<Page<Selected<Info["row"], S>>> {
    let cursor = params.cursor ?? null;
    for (;;) {
      const page = await this.list({ ...params, cursor });
      yield page;
      if (!page.hasMore || !page.nextCursor) return;
      cursor = page.nextCursor;
    }
  }

  /** Every row of every page, one at a time. */
  async *rows<const S extends FieldList<Info["row"]> | undefined = undefined>(
    params: ListParams<Info["row"], S> = {},
  ): AsyncGenerator<Selected<Info["row"], S>> {
    for await (const page of this.pages(params)) yield* page.items;
  }

  /** One row by id (404 throws NOT_FOUND). Its ETag is remembered for `ifMatch: true`. */
  async get<const S extends FieldList<Info["row"]> | undefined = undefined>(
    id: RowId,
    params: { select?: S; include?: string | readonly string[]; signal?: AbortSignal } = {},
  ): Promise<Selected<Info["row"], S>> {
    const res = await this.transport.request<Selected<Info["row"], S>>("GET", this.rowPath(id), {
      query: { select: params.select as readonly string[] | undefined, include: params.include as string | undefined },
      signal: params.signal,
    });
    this.remember(id, res.headers);
    return res.data;
  }

  /** The ETag last seen for a row (from get, create, update or replace). */
  etagOf(id: RowId): string | undefined {
    return this.etags.get(String(id));
  }

  async create(body: Info["create"], options: { signal?: AbortSignal } = {}): Promise<Info["row"]> {
    const res = await this.transport.request<Info["row"]>("POST", this.path, { body, signal: options.signal });
    const id = (res.data as Record<string, unknown>)?.id;
    if (typeof id === "string" || typeof id === "number") this.remember(id, res.headers);
    return res.data;
  }

  /** PATCH: a partial update. */
  async update(id: RowId, patch: Info["update"], options: WriteOptions = {}): Promise<Info["row"]> {
    const res = await this.transport.request<Info["row"]>(
      "PATCH",
      this.rowPath(id),
      this.writeRequest(id, options, patch),
    );
    this.remember(id, res.headers);
    return res.data;
  }

  /** PUT: replaces the client-writable columns. */
  async replace(id: RowId, body: Info["create"], options: WriteOptions = {}): Promise<Info["row"]> {
    const res = await this.transport.request<Info["row"]>(
      "PUT",
      this.rowPath(id),
      this.writeRequest(id, options, body),
    );
    this.remember(id, res.headers);
    return res.data;
  }

  async delete(id: RowId, options: WriteOptions = {}): Promise<void> {
    await this.transport.request("DELETE", this.rowPath(id), this.writeRequest(id, options, undefined));
    this.etags.delete(String(id));
  }

  async count(params: { filter?: FilterInput; withDeleted?: boolean; signal?: AbortSignal } = {}): Promise<number> {
    const res = await this.transport.request<{ count: number }>("GET", `${this.path}/count`, {
      query: { filter: text(params.filter), withDeleted: params.withDeleted || undefined },
      signal: params.signal,
    });
    return res.data.count;
  }

  /** Grouped aggregates; each group has `count` and `<fn>_<field>` members. */
  async aggregate<G extends Record<string, unknown> = Record<string, unknown>>(
    params: AggregateParams = {},
  ): Promise<(G & { count: number })[]> {
    const res = await this.transport.request<{ groups: (G & { count: number })[] }>("GET", `${this.path}/aggregate`, {
      query: aggregateQuery(params),
      signal: params.signal,
    });
    return res.data.groups;
  }

  /** Full-text search, best match first (`_score` on every row). */
  async search(q: string, params: SearchParams<Info["row"]> = {}): Promise<Page<Info["row"] & { _score: number }>> {
    const res = await this.transport.request<Page<Info["row"] & { _score: number }>>("GET", `${this.path}/search`, {
      query: {
        q,
        filter: text(params.filter),
        select: params.select as readonly string[] | undefined,
        limit: params.limit,
        cursor: params.cursor ?? undefined,
      },
      signal: params.signal,
    });
    return res.data;
  }

  /** Creates every row in one transaction (all or nothing). */
  async batchCreate(rows: readonly Info["create"][], options: { signal?: AbortSignal } = {}): Promise<Info["row"][]> {
    return (
      await this.transport.request<{ items: Info["row"][] }>("POST", `${this.path}/batch`, {
        body: rows,
        signal: options.signal,
      })
    ).data.items;
  }

  /** Updates every `{ id, ...changes }` in one transaction. */
  async batchUpdate(
    rows: readonly (Info["update"] & { id: RowId })[],
    options: { signal?: AbortSignal } = {},
  ): Promise<Info["row"][]> {
    return (
      await this.transport.request<{ items: Info["row"][] }>("PATCH", `${this.path}/batch`, {
        body: rows,
        signal: options.signal,
      })
    ).data.items;
  }

  /** Deletes every id in one transaction; returns how many were deleted. */
  async batchDelete(ids: readonly RowId[], options: { signal?: AbortSignal } = {}): Promise<number> {
    return (
      await this.transport.request<{ deleted: number }>("DELETE", `${this.path}/batch`, {
        body: ids,
        signal: options.signal,
      })
    ).data.deleted;
  }

  /** Inserts or updates rows by primary key in one transaction. */
  async upsert(
    rows: readonly (Info["create"] & { id: RowId })[],
    options: { signal?: AbortSignal } = {},
  ): Promise<Info["row"][]> {
    return (
      await this.transport.request<{ items: Info["row"][] }>("POST", `${this.path}/batch/upsert`, {
        body: rows,
        signal: options.signal,
      })
    ).data.items;
  }

  /** Calls a procedure: input and output are typed from its Zod schemas. */
  async rpc<N extends Extract<keyof Info["procedures"], string>>(
    name: N,
    input: Info["procedures"][N]["input"],
    options: { signal?: AbortSignal } = {},
  ): Promise<Info["procedures"][N]["output"]> {
    return (
      await this.transport.request<Info["procedures"][N]["output"]>(
        "POST",
        `${this.path}/rpc/${encodeURIComponent(name)}`,
        { body: input ?? {}, signal: options.signal },
      )
    ).data;
  }

  /** A live view of the rows matching `query` (see SubscriptionHandlers). */
  subscribe(
    query: SubscribeQuery<Info["row"]>,
    handlers: SubscriptionHandlers<Info["row"]>,
    options: { lastEventId?: string } = {},
  ): Subscription {
    return subscribeStream(this.transport, `${this.path}/subscribe`, listQuery(query), handlers, options);
  }

  /** The aggregate, pushed again on every change that alters it. */
  subscribeAggregate<G extends Record<string, unknown> = Record<string, unknown>>(
    params: Omit<AggregateParams, "signal">,
    onGroups: (groups: (G & { count: number })[], seq: number) => void,
    handlers: Pick<SubscriptionHandlers<unknown>, "onError" | "onStatus" | "onConnected"> = {},
  ): Subscription {
    return subscribeAggregateStream(
      this.transport,
      `${this.path}/aggregate/subscribe`,
      aggregateQuery(params),
      onGroups,
      handlers,
    );
  }

  private rowPath(id: RowId): string {
    return `${this.path}/${encodeURIComponent(String(id))}`;
  }

  private writeRequest(id: RowId, options: WriteOptions, body: unknown): RequestOptions {
    const headers: Record<string, string> = {};
    const etag = options.ifMatch === true ? this.etags.get(String(id)) : options.ifMatch || undefined;
    if (etag) headers["if-match"] = etag;
    return { body, headers, signal: options.signal };
  }

  private remember(id: RowId, headers: Headers): void {
    const etag = headers.get("etag");
    if (etag) this.etags.set(String(id), etag);
  }
}

function aggregateQuery(params: Omit<AggregateParams, "signal">): Record<string, QueryValue> {
  return {
    groupBy: params.groupBy,
    sum: params.sum,
    avg: params.avg,
    min: params.min,
    max: params.max,
    filter: text(params.filter),
    having: text(params.having),
    orderBy: params.orderBy,
    limit: params.limit,
    withDeleted: params.withDeleted || undefined,
  };
}

function subscribeAggregateStream<G>(
  transport: Transport,
  path: string,
  query: Record<string, QueryValue>,
  onGroups: (groups: G[], seq: number) => void,
  handlers: Pick<SubscriptionHandlers<unknown>, "onError" | "onStatus" | "onConnected">,
): Subscription {
  const stream = openEventStream(
    transport,
    path,
    {
      onStatus: handlers.onStatus,
      onError: handlers.onError,
      onEvent(event, data) {
        const body = data as { seq?: number; groups?: unknown; resumedFrom?: number };
        if (event === "connected")
          return handlers.onConnected?.(
            Number(body.seq),
            typeof body.resumedFrom === "number" ? { resumedFrom: body.resumedFrom } : {},
          );
        if (event === "aggregate" && Array.isArray(body.groups)) return onGroups(body.groups as G[], Number(body.seq));
        handlers.onError?.(
          new CovaraClientError(0, { code: "STREAM_ERROR", detail: `Skipped an unexpected '${event}' event`, event }),
        );
      },
    },
    { query },
  );
  return asSubscription(stream);
}
