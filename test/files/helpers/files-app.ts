/**
 * A file-resource test app: SQLite (better-sqlite3) with an app-owned files table, a
 * header-based identity (x-test-user: id), and helpers to build multipart bodies.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createCovara } from "../../../src";
import { pushTables } from "../../../src/db";
import type { FileOptions } from "../../../src/files";
import { rsql } from "../../../src";

export const filesTable = sqliteTable("files", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  key: text("key").notNull(),
  name: text("name").notNull(),
  size: integer("size").notNull(),
  mimeType: text("mime_type").notNull(),
  hash: text("hash").notNull(),
  userId: text("user_id"),
  title: text("title"),
  deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
});

export type FilesTable = typeof filesTable;

export interface FilesAppOptions extends FileOptions<FilesTable> {
  /** Anyone may read (public files); otherwise each user reads their own. */
  publicRead?: boolean;
  softDelete?: boolean;
  hooks?: { onBeforeCreate?: () => void };
}

export async function filesApp(options: FilesAppOptions = {}) {
  const sqlite = new Database(":memory:");
  const db = drizzle(sqlite);
  await pushTables(db, [filesTable]);
  const { publicRead, softDelete, hooks, ...fileOptions } = options;
  const app = createCovara({
    authenticate: (c) => {
      const id = c.req.header("x-test-user");
      return id ? { id } : null;
    },
  }).fileResource("/files", filesTable, {
    db,
    id: filesTable.id,
    auth: {
      ...(publicRead ? { public: { read: true } } : {}),
      read: (user) => rsql`userId==${String(user.id)}`,
      create: () => true,
      update: (user) => rsql`userId==${String(user.id)}`,
      delete: (user) => rsql`userId==${String(user.id)}`,
    },
    ...(softDelete ? { softDelete: { field: "deletedAt" as const } } : {}),
    ...(hooks?.onBeforeCreate ? { hooks: { onBeforeCreate: hooks.onBeforeCreate } } : {}),
    ...fileOptions,
  });
  const rows = () => sqlite.prepare("select * from files").all() as Record<string, unknown>[];
  return { app, db, rows, close: () => sqlite.close() };
}

export const PNG = new Uint8Array([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  0,
  0,
  0,
  13,
  0x49,
  0x48,
  0x44,
  0x52,
  ...new Array(48).fill(7),
]);
export const EXE = new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, ...new Array(100).fill(1)]);

export const BOUNDARY = "covaraTestBoundary";

/** A multipart body with the given text fields and one file part. */
export function multipart(
  fields: Record<string, string>,
  file?: { name: string; type?: string; bytes: Uint8Array; rawDisposition?: string },
): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  const text = (s: string) => new TextEncoder().encode(s);
  for (const [name, value] of Object.entries(fields)) {
    parts.push(text(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    const disposition =
      file.rawDisposition ??
      `form-data; name="file"; filename="${file.name.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A")}"`;
    parts.push(
      text(
        `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${file.type ? `Content-Type: ${file.type}\r\n` : ""}\r\n`,
      ),
    );
    parts.push(file.bytes);
    parts.push(text("\r\n"));
  }
  parts.push(text(`--${BOUNDARY}--\r\n`));
  const size = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

export async function json(response: Response): Promise<any> {
  return JSON.parse(await response.text());
}
