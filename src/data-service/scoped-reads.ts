/**
 * Reads for an actor through the resource mounted on the table, as its REST endpoints answer the
 * same user: the resource's read access (401/403 problems), its read scope and soft delete in the
 * WHERE, and its presentation (fields that are not readable left out, computed fields added).
 * Read hooks (`onBeforeGet`, `onAfterList`, ...) do not run: the answers are cached, and a cached
 * answer would skip them anyway.
 */
import { and, eq, type Column } from "drizzle-orm";
import type { Context } from "hono";
import { problems } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import type { ResourceHandle } from "../resource/write-port";
import { columnOf, pageParts, type PageQuery } from "./queries";
import type { DataTable, RowId } from "./types";

type Row = Record<string, unknown>;

/** One actor's reads of one table. */
export interface ScopedReads {
  /** Who sees what (the read scope and the user): part of every cache key of these reads. */
  readonly view: string;
  get(id: RowId): Promise<Row | null>;
  list(query: PageQuery): Promise<Row[]>;
}

/** The reads of `c`'s user through `handle`; rejects with the endpoint's 401/403 when the user may not read. */
export async function scopedReads(
  handle: ResourceHandle,
  served: DataTable,
  c: Context<CovaraEnv>,
): Promise<ScopedReads> {
  const access = await handle.readAccess(c);
  const columns = [...handle.fetchColumns(null)];
  const scope = handle.readWhere(access, null);
  // Filtering or sorting by a field the user cannot read would reveal it.
  const readableColumn = (name: string): Column => {
    if (!handle.info.readable.has(name))
      throw problems.validation(`'${name}' is not a readable field of ${handle.name}`, [
        { path: name, message: "Not readable" },
      ]);
    return columnOf(served.table, name);
  };
  const present = (rows: Row[], operation: "get" | "list") =>
    handle.present(rows, handle.hookContext(c, operation, access.user), null);
  return {
    view: `${access.scopeKey}\u0000${access.user?.id ?? ""}`,
    async get(id) {
      const rows = await handle.selectRows({ columns, where: and(eq(served.id, id), scope), limit: 1 });
      return (await present(rows, "get"))[0] ?? null;
    },
    async list(query) {
      const parts = pageParts(served, query, readableColumn);
      const rows = await handle.selectRows({
        columns,
        where: and(parts.where, scope),
        orderBy: [parts.orderBy],
        limit: parts.limit,
        offset: parts.offset,
      });
      return present(rows, "list");
    },
  };
}
