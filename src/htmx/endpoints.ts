/**
 * The live endpoints of every region, under `/__covara/live/<page>-<region>/`: `list`, `row/:id`,
 * `stream`, `create`, `update/:id`, `delete/:id`. Each one re-renders the page in capture mode for
 * this request to find its region (so the render functions close over this request's values),
 * then asks the resource's own endpoint and renders the answer as HTML.
 */
import "./problems";
import type { Context, Hono } from "hono";
import { methodNotAllowed } from "../kernel/error-handler";
import { ProblemError } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import { forwardedProblem, problemAnswer } from "./answers";
import { readFormValues } from "../kernel/form-values";
import { createForwarder } from "../kernel/forward";
import { ErrorSlot, renderChild, renderRow, renderRows } from "./fragments";
import { LIVE_BASE } from "./helpers";
import { fragmentStream } from "./live-stream";
import { renderPageBody, type PageServices } from "./page-render";
import { aggregateParameters, listParameters } from "./query";
import { type CapturedAggregate, type CapturedRegion, isSubscribable } from "./render-state";
import type { LiveGroup } from "./types";

type Row = Record<string, unknown>;

const REGION_ID = /^(\d{1,6})-(\d{1,6})$/;

type AnyRegion = CapturedRegion | CapturedAggregate;

function isAggregate(region: AnyRegion): region is CapturedAggregate {
  return region.props.aggregate !== undefined;
}

function regionNotFound(
  regionId: string,
  detail = `No live region '${regionId}' on this app's pages (reload the page)`,
): ProblemError {
  return new ProblemError("live-region-not-found", { detail, extensions: { region: regionId } });
}

/** The region named by the path, declared by rendering its page for this request; a 404 problem when there is none. */
async function resolveRegion(services: PageServices, c: Context<CovaraEnv>): Promise<AnyRegion> {
  const regionId = c.req.param("region") ?? "";
  const match = REGION_ID.exec(regionId);
  const page = match ? services.pages[Number(match[1])] : undefined;
  if (page) {
    const { state } = await renderPageBody(services, page, c, "capture", "");
    const region = state.captured.get(regionId);
    if (region) return region;
  }
  throw regionNotFound(regionId);
}

/** Mutations need htmx's `HX-Request: true`: a header a cross-site form cannot send, so a plain form post from elsewhere cannot use the page's cookies. */
function requireHtmxRequest(c: Context<CovaraEnv>): void {
  if (c.req.header("hx-request") === "true") return;
  throw new ProblemError("htmx-request-required", { detail: "Live writes must be sent by htmx (HX-Request: true)" });
}

/** The row id of the path, validated as the resource's id (a 400 when it cannot be one). */
function rowPath(region: CapturedRegion, c: Context<CovaraEnv>): string {
  const id = region.resource.handle.parseId(c.req.param("id") ?? "");
  return `${region.resource.path}/${encodeURIComponent(String(id))}`;
}

type LiveHandler<R extends AnyRegion> = (region: R, c: Context<CovaraEnv>) => Promise<Response>;

/** A handler of row regions only: an aggregate region has no rows to list, create or change. */
function rowsOnly(handler: LiveHandler<CapturedRegion>): LiveHandler<AnyRegion> {
  return (region, c) => {
    if (isAggregate(region))
      throw regionNotFound(region.id, `Live region '${region.id}' is an aggregate: it has no rows`);
    return handler(region, c);
  };
}

/** Wraps a handler: finds its region and answers every problem as an error fragment (or problem+json). */
function liveRoute(services: PageServices, handler: LiveHandler<AnyRegion>, options: { write: boolean }) {
  return async (c: Context<CovaraEnv>): Promise<Response> => {
    let regionId: string | null = null;
    try {
      if (options.write) requireHtmxRequest(c);
      const region = await resolveRegion(services, c);
      regionId = region.id;
      return await handler(region, c);
    } catch (error) {
      if (error instanceof ProblemError) return problemAnswer(c, error.toJSON(), regionId);
      throw error;
    }
  };
}

/** Answers with a row's HTML, or the resource's refusal. */
async function rowAnswer(
  region: CapturedRegion,
  c: Context<CovaraEnv>,
  response: Response,
  extra = "",
): Promise<Response> {
  if (!response.ok) return forwardedProblem(c, response, region.id);
  const row = (await response.json()) as Row;
  return c.html((await renderRow(region, row)) + extra);
}

/** Mounts the live endpoints on the app. */
export function mountLiveEndpoints(app: Hono<CovaraEnv>, services: PageServices): void {
  const forward = (c: Context<CovaraEnv>) => createForwarder(services.app, c);
  const base = `${LIVE_BASE}/:region`;

  app.get(
    `${base}/list`,
    liveRoute(
      services,
      async (region, c) => {
        if (isAggregate(region)) {
          const response = await forward(c)("GET", `${region.resource.path}/aggregate`, {
            query: aggregateParameters(region.props.aggregate),
          });
          if (!response.ok) return forwardedProblem(c, response, region.id);
          const { groups } = (await response.json()) as { groups: LiveGroup[] };
          return c.html(await renderChild(region.props.render(groups)));
        }
        const response = await forward(c)("GET", region.resource.path, { query: listParameters(region.props.query) });
        if (!response.ok) return forwardedProblem(c, response, region.id);
        const { items } = (await response.json()) as { items: Row[] };
        return c.html(await renderRows(region, items));
      },
      { write: false },
    ),
  );

  app.get(
    `${base}/row/:id`,
    liveRoute(
      services,
      rowsOnly(async (region, c) => rowAnswer(region, c, await forward(c)("GET", rowPath(region, c)))),
      { write: false },
    ),
  );

  app.get(
    `${base}/stream`,
    liveRoute(
      services,
      async (region, c) => {
        if (!isSubscribable(region.resource))
          throw regionNotFound(
            region.id,
            `Live region '${region.id}' has no stream: its resource has subscriptions: false`,
          );
        const lastEventId = c.req.header("last-event-id");
        const headers: Record<string, string> = lastEventId ? { "last-event-id": lastEventId } : {};
        const logError = (error: unknown) =>
          region.resource.handle.app.logger.error("covara htmx: a live region failed to render", error);
        if (isAggregate(region)) {
          const response = await forward(c)("GET", `${region.resource.path}/aggregate/subscribe`, {
            query: aggregateParameters(region.props.aggregate),
            headers,
          });
          if (!response.ok) return forwardedProblem(c, response, region.id);
          return fragmentStream(response, { groups: (groups) => renderChild(region.props.render(groups)) }, logError);
        }
        const response = await forward(c)("GET", `${region.resource.path}/subscribe`, {
          query: listParameters(region.props.query),
          headers,
        });
        if (!response.ok) return forwardedProblem(c, response, region.id);
        // The same ordering the list endpoint applies (it accepted this orderBy just above).
        const order = region.resource.handle.parseList({ orderBy: region.props.query?.orderBy }).order;
        return fragmentStream(
          response,
          {
            row: (row) => renderRow(region, row),
            rows: (rows) => renderRows(region, rows),
            order: {
              keyOf: (row) => order.map((key) => row[key.field] ?? null),
              descending: order.map((key) => key.direction === "desc"),
            },
          },
          logError,
        );
      },
      { write: false },
    ),
  );

  app.post(
    `${base}/create`,
    liveRoute(
      services,
      rowsOnly(async (region, c) => {
        const values = await readFormValues(c, region.resource.handle.info.columns);
        const response = await forward(c)("POST", region.resource.path, { json: values });
        // A success also empties the error slot of an earlier refusal (out of band).
        const clearErrors = await renderChild(ErrorSlot({ regionId: region.id, oob: true }));
        return rowAnswer(region, c, response, clearErrors);
      }),
      { write: true },
    ),
  );

  app.patch(
    `${base}/update/:id`,
    liveRoute(
      services,
      rowsOnly(async (region, c) => {
        const path = rowPath(region, c);
        const values = await readFormValues(c, region.resource.handle.info.columns);
        const response = await forward(c)("PATCH", path, { json: values });
        const clearErrors = await renderChild(ErrorSlot({ regionId: region.id, oob: true }));
        return rowAnswer(region, c, response, clearErrors);
      }),
      { write: true },
    ),
  );

  app.delete(
    `${base}/delete/:id`,
    liveRoute(
      services,
      rowsOnly(async (region, c) => {
        const response = await forward(c)("DELETE", rowPath(region, c));
        if (!response.ok) return forwardedProblem(c, response, region.id);
        // An empty 200: htmx swaps the row's outerHTML with nothing, removing it.
        return c.html("");
      }),
      { write: true },
    ),
  );

  for (const [path, methods] of [
    ["list", ["GET"]],
    ["row/:id", ["GET"]],
    ["stream", ["GET"]],
    ["create", ["POST"]],
    ["update/:id", ["PATCH"]],
    ["delete/:id", ["DELETE"]],
  ] as const) {
    app.all(`${base}/${path}`, methodNotAllowed([...methods]));
  }
}
