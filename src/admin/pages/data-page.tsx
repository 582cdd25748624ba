/**
 * The data explorer's table of one resource: filter (RSQL, its parse errors shown inline), sort,
 * select, include, cursor paging, rows created, edited and deleted through the resource's own
 * endpoints, a download action for file resources, and live refresh over the resource's SSE.
 */
import type { Column } from "drizzle-orm";
import { fileOptionsOf } from "../../files";
import { Cell, CsrfField, Head, valueText } from "../cells";
import { forwardAsAdmin, problemMessage, readBody } from "../forward";
import { renderPage } from "../layout";
import { formColumns, resourceNamed } from "../resources";
import type { AdminResource, AdminView } from "../view";

type Row = Record<string, unknown>;

/** The list parameters the page passes to the resource. */
const LIST_PARAMS = ["filter", "orderBy", "select", "include", "cursor", "limit"] as const;

/** A form field for one column, with `value` filled in. */
function ColumnField(props: { name: string; column: Column; value: unknown; required: boolean }) {
  const { name, column, value, required } = props;
  const text = value === undefined || value === null ? "" : valueText(value);
  if (column.dataType === "boolean") {
    return (
      <label>
        {name}
        <select name={name}>
          {column.notNull ? null : <option value="">null</option>}
          <option value="true" selected={value === true}>
            true
          </option>
          <option value="false" selected={value === false}>
            false
          </option>
        </select>
      </label>
    );
  }
  if (column.dataType === "json") {
    return (
      <label>
        {name}
        <textarea name={name}>{text}</textarea>
      </label>
    );
  }
  return (
    <label>
      {name}
      <input
        name={name}
        value={text}
        type={column.dataType === "number" ? "number" : "text"}
        step={column.dataType === "number" ? "any" : undefined}
        required={required}
      />
    </label>
  );
}

/** The create form, or the edit form of `row`. */
function RowForm(props: { view: AdminView; resource: AdminResource; row?: Row; back: string }) {
  const { view, resource, row, back } = props;
  const base = `${view.services.base}/data/${encodeURIComponent(resource.handle.name)}/rows`;
  const id = row?.[resource.handle.info.idKey];
  return (
    <form method="post" action={id === undefined ? base : `${base}/${encodeURIComponent(valueText(id))}`} class="card">
      <CsrfField token={view.csrf} />
      <input type="hidden" name="_back" value={back} />
      <div class="fields">
        {formColumns(resource, id !== undefined).map(([name, column]) => (
          <ColumnField
            key={name}
            name={name}
            column={column}
            value={row?.[name]}
            required={column.notNull && !column.hasDefault && name !== resource.handle.info.idKey}
          />
        ))}
      </div>
      <button type="submit">{id === undefined ? "Create row" : "Save changes"}</button>
    </form>
  );
}

/** One table row with its actions. */
function RowLine(props: {
  view: AdminView;
  resource: AdminResource;
  row: Row;
  columns: string[];
  back: string;
  downloads: boolean;
}) {
  const { view, resource, row, columns, back } = props;
  const id = valueText(row[resource.handle.info.idKey]);
  const rowBase = `${view.services.base}/data/${encodeURIComponent(resource.handle.name)}/rows/${encodeURIComponent(id)}`;
  const editUrl = new URL(view.c.req.url);
  editUrl.searchParams.set("edit", id);
  return (
    <tr>
      <td class="actions">
        <div class="row-actions">
          <a class="button ghost small" href={`${editUrl.pathname}${editUrl.search}`}>
            Edit
          </a>
          {props.downloads ? (
            <a class="button ghost small" href={`${rowBase}/download`}>
              Download
            </a>
          ) : null}
          <form
            method="post"
            action={`${rowBase}/delete`}
            class="inline"
            data-confirm={`Delete ${resource.handle.name} ${id}?`}
          >
            <CsrfField token={view.csrf} />
            <input type="hidden" name="_back" value={back} />
            <button type="submit" class="danger small">
              Delete
            </button>
          </form>
        </div>
      </td>
      {columns.map((column) => (
        <td key={column}>
          <Cell value={row[column]} />
        </td>
      ))}
    </tr>
  );
}

/** GET /data/:name */
export async function dataPage(view: AdminView, name: string): Promise<Response> {
  const { c, services } = view;
  const resource = resourceNamed(services, name);
  const query: Record<string, string> = {};
  for (const key of LIST_PARAMS) {
    const value = c.req.query(key);
    if (value !== undefined && value !== "") query[key] = value;
  }
  query.limit ??= "25";
  const actAs = c.req.query("as") ?? "";
  const response = await forwardAsAdmin(view, "GET", resource.path, { query, as: actAs });
  const body = await readBody(response);
  const listError = response.ok ? undefined : problemMessage(body, `The list failed (${response.status})`);
  const items: Row[] =
    response.ok && Array.isArray(Reflect.get(Object(body), "items")) ? Reflect.get(Object(body), "items") : [];
  const nextCursor = response.ok ? Reflect.get(Object(body), "nextCursor") : null;
  await services.record({
    action: "data_explorer_list",
    adminId: view.admin.id,
    ...(actAs === "" ? {} : { impersonatedId: actAs }),
    method: "GET",
    path: resource.path,
    detail: { resource: resource.handle.name, status: response.status },
  });

  const { info } = resource.handle;
  const columns = query.select
    ?.split(",")
    .map((part) => part.trim())
    .filter(Boolean) ?? [
    ...new Set([...Object.keys(info.readableColumns), ...items.flatMap((item) => Object.keys(item))]),
  ];
  const url = new URL(c.req.url);
  const back = `${url.pathname}${url.search}`;
  const editId = c.req.query("edit");
  const editing = editId === undefined ? undefined : items.find((item) => valueText(item[info.idKey]) === editId);
  const nextUrl = new URL(url);
  nextUrl.searchParams.delete("edit");
  if (typeof nextCursor === "string") nextUrl.searchParams.set("cursor", nextCursor);
  const firstUrl = new URL(url);
  firstUrl.searchParams.delete("cursor");
  firstUrl.searchParams.delete("edit");
  const notice = c.req.query("notice");
  const failure = c.req.query("error");
  const subscribable = Reflect.get(resource.handle.config, "subscriptions") !== false;
  const liveUrl = subscribable
    ? `${services.base}/data/${encodeURIComponent(resource.handle.name)}/live${query.filter ? `?filter=${encodeURIComponent(query.filter)}` : ""}`
    : undefined;

  const content = (
    <>
      <h1>{resource.handle.name}</h1>
      <p class="lead">
        <code>{resource.path}</code> · read through the resource's own endpoint
        {actAs === "" ? " with the admin scope bypass" : `, as user ${actAs}`}
        {liveUrl ? (
          <span class="live" data-live-status="" data-live-url={liveUrl}>
            live
          </span>
        ) : null}
      </p>
      {notice ? (
        <div class="notice" role="status">
          {notice}
        </div>
      ) : null}
      {failure ? (
        <div class="alert" role="alert">
          {failure}
        </div>
      ) : null}
      <form method="get" class="toolbar">
        <label class="grow">
          Filter (RSQL)
          <input
            name="filter"
            value={query.filter ?? ""}
            placeholder={'status=="open";priority>2'}
            aria-invalid={listError ? "true" : undefined}
          />
        </label>
        <label>
          Sort
          <input name="orderBy" value={query.orderBy ?? ""} placeholder="createdAt:desc" />
        </label>
        <label>
          Select
          <input name="select" value={query.select ?? ""} placeholder="id,title" />
        </label>
        <label>
          Include
          <input name="include" value={query.include ?? ""} placeholder={resource.handle.relationNames().join(",")} />
        </label>
        <label>
          As user
          <input name="as" value={actAs} placeholder="user id" size={8} />
        </label>
        <button type="submit">Apply</button>
      </form>
      {listError ? (
        <div class="alert" role="alert" id="filter-error">
          {listError}
        </div>
      ) : null}
      {editing ? (
        <>
          <h2>Edit {editId}</h2>
          <RowForm view={view} resource={resource} row={editing} back={back} />
        </>
      ) : null}
      <div id="rows" class="table-wrap">
        {items.length === 0 ? (
          <p class="empty">No rows.</p>
        ) : (
          <table>
            <Head columns={["actions", ...columns]} />
            <tbody>
              {items.map((row) => (
                <RowLine
                  key={valueText(row[info.idKey])}
                  view={view}
                  resource={resource}
                  row={row}
                  columns={columns}
                  back={back}
                  downloads={fileOptionsOf(resource.handle) !== undefined}
                />
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div class="pager">
        {query.cursor ? (
          <a class="button ghost" href={`${firstUrl.pathname}${firstUrl.search}`}>
            First page
          </a>
        ) : null}
        {typeof nextCursor === "string" ? (
          <a class="button ghost" href={`${nextUrl.pathname}${nextUrl.search}`}>
            Next page
          </a>
        ) : null}
      </div>
      <details>
        <summary>New row</summary>
        <RowForm view={view} resource={resource} back={back} />
      </details>
    </>
  );
  return renderPage(view, { title: resource.handle.name, active: "data", body: content }, listError ? 400 : 200);
}
