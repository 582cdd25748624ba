/** Renders a registered page's component for a request, in page or capture mode. */
import type { Context } from "hono";
import type { CovaraEnv } from "../kernel/http";
import { createForwarder, type FetchingApp } from "../kernel/forward";
import { PageRenderContext, type PageRenderState, type ResourceLookup } from "./render-state";
import type { PageComponent, PageOptions } from "./types";

/** A page as registered with `app.page()`. */
export interface RegisteredPage {
  index: number;
  path: string;
  Component: PageComponent;
  options: PageOptions;
}

/** What every rendering needs from the app. */
export interface PageServices {
  app: FetchingApp;
  resources: ResourceLookup;
  pages: RegisteredPage[];
}

/** Renders `page`'s body for `c`; the state holds the regions it declared. */
export async function renderPageBody(
  services: PageServices,
  page: RegisteredPage,
  c: Context<CovaraEnv>,
  mode: PageRenderState["mode"],
  nonce: string,
) {
  const state: PageRenderState = {
    mode,
    c,
    pageIndex: page.index,
    nextOrdinal: 0,
    resources: services.resources,
    captured: new Map(),
    forward: createForwarder(services.app, c),
  };
  const { Component } = page;
  const content = await Component({ c, nonce });
  const html = String(
    await (<PageRenderContext.Provider value={state}>{content}</PageRenderContext.Provider>).toString(),
  );
  return { html, state };
}
