/**
 * The billing hooks render on a server (renderToString) with their initial snapshots and send
 * nothing while rendering; their interactive behaviour is proven in Chromium
 * (billing-browser.test.ts).
 */
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { createClient } from "../../src/client";
import { CovaraProvider, useCheckout, useCredits, useSubscription } from "../../src/client/react";

function Account() {
  const credits = useCredits();
  const subscription = useSubscription();
  const checkout = useCheckout();
  return createElement(
    "p",
    null,
    `${credits.balance}:${credits.loading}:${subscription.activeSubscription === null}:${subscription.loading}:${checkout.loading}`,
  );
}

describe("billing hooks on the server", () => {
  it("render their initial state without a request", () => {
    const requests: string[] = [];
    const client = createClient({
      baseUrl: "http://127.0.0.1:1",
      fetch: (url, init) => (requests.push(url), fetch(url, init)),
    });
    const html = renderToString(createElement(CovaraProvider, { client }, createElement(Account)));
    expect(html).toBe("<p>0:true:true:true:false</p>");
    expect(requests).toEqual([]);
  });
});
