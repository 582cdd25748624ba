/**
 * The live endpoints of an htmx page, driven through `app.request`: writes go through the
 * resource's own routes (scope, masking, validation, hooks), every refusal is an HTML fragment
 * aimed at the region's error slot or problem+json when JSON is asked for, and the fragment stream
 * carries each subscriber's own rows as server-rendered HTML.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { HTMX_INTEGRITY, HTMX_VERSION } from "../../src/htmx";
import { SseReader } from "../helpers/sse";
import { todoApp } from "./fixtures/todo-app";

type App = Awaited<ReturnType<typeof todoApp>>["app"];

const FORM = "application/x-www-form-urlencoded";
let app: App;

beforeEach(async () => {
  ({ app } = await todoApp());
});

function htmx(user: string, extra: Record<string, string> = {}): Record<string, string> {
  return { cookie: `user=${user}`, "hx-request": "true", "content-type": FORM, ...extra };
}

async function create(user: string, body: string, extra: Record<string, string> = {}): Promise<Response> {
  return app.request("/__covara/live/0-0/create", { method: "POST", headers: htmx(user, extra), body });
}

describe("the page", () => {
  it("renders the spec's todo page with the user's rows, script tags under SRI and nonce, and a nonce CSP", async () => {
    await create("alice", "title=Buy+milk");
    await create("bob", "title=Bob+only");
    const res = await app.request("/todos", { headers: { cookie: "user=alice" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const csp = res.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(html).toContain(
      `<script src="/__covara/htmx/htmx-${HTMX_VERSION}.min.js" integrity="${HTMX_INTEGRITY}" crossorigin="anonymous" nonce="${nonce}"`,
    );
    expect(html.match(/<script /g)?.length).toBe(html.match(new RegExp(`<script [^>]*nonce="${nonce}"`, "g"))?.length);
    expect(html).not.toMatch(/\son[a-z]+=/);
    expect(html).toContain('value="Buy milk"');
    expect(html).not.toContain("Bob only");
    // Masked column: never rendered, even though the table has it.
    expect(html).not.toContain("s3cret-value");
  });

  it("a region the user may not read shows the refusal where the rows would be", async () => {
    const res = await app.request("/todos");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-code="UNAUTHORIZED"');
    expect(html).not.toContain("data-covara-stream");
  });

  it("serves htmx and the runtime as immutable scripts whose integrity matches their bytes", async () => {
    const page = await (await app.request("/todos", { headers: { cookie: "user=alice" } })).text();
    const scripts = [...page.matchAll(/<script src="([^"]+)" integrity="([^"]+)"/g)];
    expect(scripts).toHaveLength(2);
    for (const [, url, integrity] of scripts) {
      const res = await app.request(url!);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(res.headers.get("content-type")).toContain("javascript");
      const digest = await crypto.subtle.digest("SHA-384", new Uint8Array(await res.arrayBuffer()));
      expect(`sha384-${Buffer.from(digest).toString("base64")}`).toBe(integrity);
    }
    expect((await app.request("/__covara/htmx/htmx-0.0.1.min.js")).status).toBe(404);
  });
});

describe("writes through the resource's own routes", () => {
  it("create answers the row's HTML and empties the error slot out of band", async () => {
    const res = await create("alice", "title=Buy+milk&position=3&done=on");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-covara-row="1"');
    expect(html).toContain('hx-vals="{&quot;done&quot;:false}"');
    expect(html).toContain('id="covara-errors-0-0"');
    expect(html).toContain('hx-swap-oob="true"');
    const stored = await (await app.request("/api/todos/1", { headers: { cookie: "user=alice" } })).json();
    expect(stored).toMatchObject({ title: "Buy milk", position: 3, done: true, owner: "alice" });
  });

  it("update replaces the row, delete answers an empty 200", async () => {
    await create("alice", "title=Buy+milk");
    const update = await app.request("/__covara/live/0-0/update/1", {
      method: "PATCH",
      headers: htmx("alice"),
      body: "title=Buy+oat+milk",
    });
    expect(update.status).toBe(200);
    expect(await update.text()).toContain('value="Buy oat milk"');
    const removed = await app.request("/__covara/live/0-0/delete/1", { method: "DELETE", headers: htmx("alice") });
    expect(removed.status).toBe(200);
    expect(await removed.text()).toBe("");
    expect((await app.request("/api/todos/1", { headers: { cookie: "user=alice" } })).status).toBe(404);
  });

  it("another user's row is a 404 fragment: scopes decide, as on the JSON API", async () => {
    await create("alice", "title=Mine");
    for (const [method, path, body] of [
      ["PATCH", "/__covara/live/0-0/update/1", "title=Stolen"],
      ["DELETE", "/__covara/live/0-0/delete/1", undefined],
      ["GET", "/__covara/live/0-0/row/1", undefined],
    ] as const) {
      const res = await app.request(path, { method, headers: htmx("bob"), body });
      expect(res.status).toBe(404);
      expect(res.headers.get("hx-retarget")).toBe("#covara-errors-0-0");
      expect(await res.text()).toContain('data-code="NOT_FOUND"');
    }
    const list = await (await app.request("/__covara/live/0-0/list", { headers: { cookie: "user=bob" } })).text();
    expect(list).toBe("");
  });
});

describe("aggregate regions", () => {
  it("renders the user's groups, lists them again as HTML, and has no row endpoints", async () => {
    await create("alice", "title=a");
    await create("alice", "title=b&done=on");
    await create("bob", "title=c");
    const page = await (await app.request("/todos", { headers: { cookie: "user=alice" } })).text();
    expect(page).toContain('<p class="summary">1 open · 1 done</p>');
    expect(page).toContain('data-covara-stream="/__covara/live/0-1/stream"');
    const list = await app.request("/__covara/live/0-1/list", { headers: { cookie: "user=bob" } });
    expect(await list.text()).toBe('<p class="summary">1 open · 0 done</p>');
    const refused = await app.request("/__covara/live/0-1/create", {
      method: "POST",
      headers: htmx("alice"),
      body: "title=x",
    });
    expect(refused.status).toBe(404);
    expect(await refused.text()).toContain("is an aggregate");
  });

  it("streams the groups as HTML whenever the user's rows change them", async () => {
    const res = await app.request("/__covara/live/0-1/stream", { headers: { cookie: "user=alice" } });
    const events = new SseReader(res.body!);
    expect((await events.until("aggregate")).at(-1)!.data.html).toBe('<p class="summary">0 open · 0 done</p>');
    await create("bob", "title=not+mine");
    await create("alice", "title=mine");
    const next = (await events.until((event) => event.event === "aggregate" && event.data.html.includes("1 open"))).at(
      -1,
    )!;
    expect(next.data.html).toBe('<p class="summary">1 open · 0 done</p>');
    await events.cancel();
  });
});

describe("a resource without subscriptions", () => {
  it("its region lists and creates, but opens no stream", async () => {
    const headers = { "hx-request": "true", "content-type": FORM };
    const created = await app.request("/__covara/live/2-0/create", { method: "POST", headers, body: "body=Quiet" });
    expect(await created.text()).toContain('<p id="covara-row-2-0-1" data-covara-row="1">Quiet</p>');
    const page = await (await app.request("/notes")).text();
    expect(page).toContain(
      '<div id="covara-list-2-0" data-covara-region="2-0" hx-get="/__covara/live/2-0/list" hx-trigger="covara:refresh"><p',
    );
    expect(page).not.toContain("data-covara-stream");
    const stream = await app.request("/__covara/live/2-0/stream", { headers: { accept: "application/json" } });
    expect(stream.status).toBe(404);
    expect((await stream.json()).code).toBe("LIVE_REGION_NOT_FOUND");
  });
});

describe("bad input", () => {
  it("a validation error is an HTML fragment for the region's error slot, naming the field", async () => {
    const res = await create("alice", "title=+++");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("hx-retarget")).toBe("#covara-errors-0-0");
    expect(res.headers.get("hx-reswap")).toBe("innerHTML");
    const html = await res.text();
    expect(html).toContain('data-code="VALIDATION_ERROR"');
    expect(html).toContain('<li data-field="title">');
  });

  it("a value of the wrong type reaches the resource's validation as sent", async () => {
    const html = await (await create("alice", "title=x&position=many")).text();
    expect(html).toContain('data-field="position"');
  });

  it("markup in a rejected value is escaped in the fragment", async () => {
    const html = await (
      await create("alice", `title=x&position=${encodeURIComponent("<img src=x onerror=alert(1)>")}`)
    ).text();
    expect(html).not.toContain("<img");
  });

  it("asks for JSON, gets problem+json", async () => {
    const res = await create("alice", "title=+", { accept: "application/json" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "VALIDATION_ERROR", errors: [{ path: "title" }] });
  });

  it("a malformed id is a 400 fragment, not a 500", async () => {
    const res = await app.request("/__covara/live/0-0/delete/not-a-number", {
      method: "DELETE",
      headers: htmx("alice"),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('data-code="INVALID_ID"');
  });

  it("an unknown region is a 404 that swaps nowhere", async () => {
    for (const region of ["9-0", "0-7", "x"]) {
      const res = await app.request(`/__covara/live/${region}/list`, { headers: { cookie: "user=alice" } });
      expect(res.status).toBe(404);
      expect(res.headers.get("hx-reswap")).toBe("none");
      expect(await res.text()).toContain('data-code="LIVE_REGION_NOT_FOUND"');
    }
  });

  it("a write without HX-Request (a cross-site form post) is refused before anything runs", async () => {
    const res = await app.request("/__covara/live/0-0/create", {
      method: "POST",
      headers: { cookie: "user=alice", "content-type": FORM, accept: "application/json" },
      body: "title=x",
    });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("HTMX_REQUEST_REQUIRED");
    expect(await (await app.request("/api/todos", { headers: { cookie: "user=alice" } })).json()).toMatchObject({
      items: [],
    });
  });

  it("an unsupported body type is a 415, an oversized one a 413, a wrong method a 405", async () => {
    const multipart = await create("alice", "x", { "content-type": "text/plain" });
    expect(multipart.status).toBe(415);
    const huge = await create("alice", `title=${"a".repeat(1024 * 1024 + 1)}`);
    expect(huge.status).toBe(413);
    const wrong = await app.request("/__covara/live/0-0/create", { method: "GET", headers: htmx("alice") });
    expect(wrong.status).toBe(405);
  });
});

describe("the fragment stream", () => {
  it("streams each subscriber's own rows as HTML: snapshot, upsert, remove; other users' rows never", async () => {
    await create("alice", "title=First");
    const res = await app.request("/__covara/live/0-0/stream", { headers: { cookie: "user=alice" } });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = new SseReader(res.body!);
    const snapshot = (await events.until("snapshot")).at(-1)!;
    expect(snapshot.data.html).toContain('value="First"');
    await create("bob", "title=Bob+secret");
    await create("alice", "title=Second");
    const added = (await events.until("upsert")).at(-1)!;
    expect(added.data).toMatchObject({ id: "3" });
    expect(added.data.html).toContain('value="Second"');
    await app.request("/__covara/live/0-0/update/1", {
      method: "PATCH",
      headers: htmx("alice"),
      body: "title=First+again",
    });
    const changed = (await events.until("upsert")).at(-1)!;
    expect(changed.data).toMatchObject({ id: "1" });
    expect(changed.data.html).toContain('value="First again"');
    await app.request("/__covara/live/0-0/delete/3", { method: "DELETE", headers: htmx("alice") });
    const removed = (await events.until("remove")).at(-1)!;
    expect(removed.data).toEqual({ id: "3" });
    expect(removed.id).toMatch(/^\d+$/);
    expect(JSON.stringify(events.seen)).not.toContain("Bob secret");
    expect(JSON.stringify(events.seen)).not.toContain("s3cret-value");
    await events.cancel();
  });

  it("closing the fragment stream closes the subscription under it", async () => {
    const res = await app.request("/__covara/live/0-0/stream", { headers: { cookie: "user=alice" } });
    const events = new SseReader(res.body!);
    await events.until("snapshot");
    expect(app.realtime.streamCount).toBe(1);
    await events.cancel();
    await expect.poll(() => app.realtime.streamCount).toBe(0);
  });

  it("resumes from Last-Event-ID without a snapshot", async () => {
    const first = await app.request("/__covara/live/0-0/stream", { headers: { cookie: "user=alice" } });
    const events = new SseReader(first.body!);
    await events.until("snapshot");
    const resumeFrom = events.lastEventId!;
    await events.cancel();
    await create("alice", "title=While+away");
    const again = await app.request("/__covara/live/0-0/stream", {
      headers: { cookie: "user=alice", "last-event-id": resumeFrom },
    });
    const resumed = new SseReader(again.body!);
    const taken = await resumed.until("upsert");
    expect(taken.map((event) => event.event)).not.toContain("snapshot");
    expect(taken.at(-1)!.data.html).toContain('value="While away"');
    await resumed.cancel();
  });

  it("a subscriber who may not read gets the refusal, not a stream", async () => {
    const res = await app.request("/__covara/live/0-0/stream", { headers: { accept: "application/json" } });
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe("UNAUTHORIZED");
  });
});
