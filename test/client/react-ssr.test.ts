/**
 * The React hooks render on a server (renderToString): they read their server snapshots, open no
 * connection while rendering, and throw a clear error without a client. The interactive behaviour
 * of every hook is proven in Chromium (browser.test.ts).
 */
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { createClient } from "../../src/client";
import {
  CovaraProvider,
  useAuth,
  useInfiniteList,
  useLiveAggregate,
  useLiveList,
  useSearch,
} from "../../src/client/react";

function Page() {
  const list = useLiveList<{ id: number; name: string }>("/api/users", { orderBy: "name" });
  const infinite = useInfiniteList("/api/users");
  const aggregate = useLiveAggregate("/api/users", { groupBy: "role" });
  const search = useSearch("/api/users", "");
  const auth = useAuth();
  return createElement(
    "p",
    null,
    `${list.status}:${list.items.length}:${infinite.status}:${aggregate.groups.length}:${search.status}:${auth.status}`,
  );
}

describe("covara/client/react on the server", () => {
  it("renders with the server snapshots and sends nothing", () => {
    const requests: string[] = [];
    // Counts what would go over the wire (to a closed port: nothing may be sent while rendering).
    const client = createClient({
      baseUrl: "http://127.0.0.1:1",
      fetch: (url, init) => (requests.push(url), fetch(url, init)),
    });
    const html = renderToString(createElement(CovaraProvider, { client }, createElement(Page)));
    expect(html).toBe("<p>connecting:0:loading:0:idle:anonymous</p>");
    expect(requests).toEqual([]);
  });
});
