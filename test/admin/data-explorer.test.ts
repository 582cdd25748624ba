/**
 * The data explorer: lists through the resource's own endpoint with the admin bypass, filter errors
 * shown inline, sort/select/include/cursor paging passed through, rows created, edited and deleted
 * through the resource's endpoints (hooks and validation run, realtime publishes), and the file
 * resource's download action.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/admin";
import { ADMIN, adminApp, as, csrfOf, page, postForm, userManager } from "./helpers/admin-app";

let close: (() => void) | undefined;
afterEach(() => close?.());

async function setup() {
  const audit = createMemoryAuditStore();
  const made = await adminApp({ userManager: userManager(), audit });
  close = made.close;
  for (let i = 1; i <= 30; i++)
    made.insert({ title: `todo ${String(i).padStart(2, "0")}`, ownerId: i % 2 ? "ann" : "bob", done: i % 3 === 0 });
  return { ...made, audit };
}

describe("data explorer", () => {
  it("lists every resource with its row count on the overview", async () => {
    const { app } = await setup();
    const html = await page(app, "/__covara/ui/data");
    expect(html).toContain('href="/__covara/ui/data/todos"');
    expect(html).toContain('href="/__covara/ui/data/attachments"');
    expect(html).toContain("<b>30</b>");
  });

  it("shows every owner's rows (bypass), pages by cursor, sorts and selects", async () => {
    const { app } = await setup();
    const first = await page(app, "/__covara/ui/data/todos?orderBy=title:desc&select=id,title&limit=10");
    expect(first).toContain("todo 30");
    expect(first).toContain("todo 21");
    expect(first).not.toContain("todo 20");
    expect(first).not.toContain("<th>ownerId</th>");
    const next = /href="([^"]*cursor=[^"]+)"/.exec(first)?.[1]?.replaceAll("&amp;", "&");
    expect(next).toBeTruthy();
    const second = await page(app, next!);
    expect(second).toContain("todo 20");
    expect(second).not.toContain("todo 21");
    expect(second).toContain("First page");
  });

  it("shows an RSQL parse error inline, escaped, next to the filter", async () => {
    const { app } = await setup();
    const html = await page(app, `/__covara/ui/data/todos?filter=${encodeURIComponent('title=="<b>oops')}`, ADMIN, 400);
    expect(html).toMatch(/<div class="alert" role="alert" id="filter-error">[^<]+<\/div>/);
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('value="title==&quot;&lt;b&gt;oops"');
    expect(html).not.toContain("<b>oops");
    const ok = await page(app, `/__covara/ui/data/todos?filter=${encodeURIComponent("done==true")}`);
    expect(ok).toContain("todo 03");
    expect(ok).not.toContain("todo 01");
  });

  it("creates, edits and deletes through the resource's endpoints: hooks, validation and realtime see it", async () => {
    const { app, rows, hooks } = await setup();
    const published: string[] = [];
    app.context.mutations.on((mutations) => {
      for (const mutation of mutations) published.push(mutation.op);
    });
    const html = await page(app, "/__covara/ui/data/todos");
    const csrf = csrfOf(html);
    const created = await postForm(app, "/__covara/ui/data/todos/rows", ADMIN, {
      _csrf: csrf,
      _back: "/__covara/ui/data/todos?limit=5",
      title: "from admin",
      ownerId: "ann",
      done: "true",
      notes: "",
    });
    expect(created.status).toBe(303);
    expect(created.headers.get("location")).toMatch(/^\/__covara\/ui\/data\/todos\?limit=5&notice=Created/);
    expect(rows().at(-1)).toMatchObject({ title: "from admin", owner_id: "ann", done: 1, notes: null });
    expect(hooks.created).toEqual([{ title: "from admin", by: "root" }]);

    const invalid = await postForm(app, "/__covara/ui/data/todos/rows", ADMIN, {
      _csrf: csrf,
      title: " ",
      ownerId: "ann",
    });
    const location = invalid.headers.get("location") ?? "";
    expect(new URL(location, "http://x").searchParams.get("error")).toContain("title must not be empty");
    const shown = await page(app, location);
    expect(shown).toContain("title must not be empty");
    expect(rows()).toHaveLength(31);

    const edit = await page(app, "/__covara/ui/data/todos?edit=1");
    expect(edit).toContain("Save changes");
    expect(edit).toContain('value="todo 01"');
    const updated = await postForm(app, "/__covara/ui/data/todos/rows/1", ADMIN, {
      _csrf: csrf,
      title: "renamed",
      ownerId: "ann",
      done: "false",
      notes: "",
    });
    expect(updated.status).toBe(303);
    expect(rows()[0]).toMatchObject({ title: "renamed" });
    expect(hooks.updated).toEqual(["root"]);

    const deleted = await postForm(app, "/__covara/ui/data/todos/rows/1/delete", ADMIN, { _csrf: csrf });
    expect(deleted.status).toBe(303);
    expect(rows().find((row) => row.id === 1)).toBeUndefined();
    expect(hooks.deleted).toEqual(["root"]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(published).toEqual(["create", "update", "delete"]);
  });

  it("links the table to the resource's SSE for live updates", async () => {
    const { app } = await setup();
    const html = await page(app, "/__covara/ui/data/todos?filter=done==true");
    expect(html).toContain('data-live-url="/__covara/ui/data/todos/live?filter=done%3D%3Dtrue"');
    // The stream is the resource's own, opened with the bypass: the admin sees every owner's rows.
    const stream = await app.request("/__covara/ui/data/todos/live?filter=done==true", { headers: as(ADMIN) });
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    const reader = stream.body!.getReader();
    let text = "";
    while (!/event: snapshot\n(id: \d+\n)?data: .*\n/.test(text))
      text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toContain("todo 03");
    expect(text).toContain("todo 06");
  });

  it("offers a download action per row of a file resource, served as the admin", async () => {
    const { app } = await setup();
    const form = new FormData();
    form.append("file", new Blob(["hello admin"], { type: "text/plain" }), "hello.txt");
    const uploaded = await app.request("/api/attachments", { method: "POST", headers: as({ id: "ann" }), body: form });
    expect(uploaded.status).toBe(201);
    const html = await page(app, "/__covara/ui/data/attachments");
    expect(html).toContain('href="/__covara/ui/data/attachments/rows/1/download"');
    const todosPage = await page(app, "/__covara/ui/data/todos");
    expect(todosPage).not.toContain("/download");
    const download = await app.request("/__covara/ui/data/attachments/rows/1/download", { headers: as(ADMIN) });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe("hello admin");
  });

  it("answers an unknown resource with a 404 problem", async () => {
    const { app } = await setup();
    const response = await app.request("/__covara/ui/data/nope", { headers: as(ADMIN) });
    expect(response.status).toBe(404);
    expect((await response.json()).code).toBe("ADMIN_RESOURCE_NOT_FOUND");
  });
});
