/**
 * `POST /` of a file resource: a multipart form (one file part, text fields, and an optional
 * `data` field holding the row's other columns as JSON) or a raw body (the file itself, its name
 * in `?name=` or `X-File-Name`). Create access is checked before any byte is read; the file is
 * streamed into storage (ingest.ts), then the row is created through the resource's own create
 * path; if that fails, the object is deleted again, so there is never an object without a row nor
 * a row without an object.
 */
import type { Context } from "hono";
import { ProblemError } from "../kernel/errors";
import { toJson } from "../kernel/json";
import type { CovaraEnv } from "../kernel/http";
import type { Access, ResourceHandle } from "../resource/extension";
import { ingest, tooLarge, type IngestedFile } from "./ingest";
import { MultipartReader, multipartBoundary } from "./multipart";
import { newStorageKey, safeFileName } from "./names";
import type { ResolvedFileOptions } from "./options";
import "./problems";
import { requestBody } from "./request-body";

type Row = Record<string, unknown>;

/** Bounds of the non-file parts of a form. */
const MAX_FIELD_BYTES = 64 * 1024;
const MAX_FIELDS = 50;

/** The stored file as the row records it. */
export function fileColumns(options: ResolvedFileOptions, file: IngestedFile, name: string, owner: unknown): Row {
  const { columns } = options;
  const row: Row = { [columns.key]: file.key };
  if (columns.name) row[columns.name] = name;
  if (columns.size) row[columns.size] = file.size;
  if (columns.mimeType) row[columns.mimeType] = file.contentType;
  if (columns.hash) row[columns.hash] = file.sha256;
  if (columns.owner && owner !== undefined && owner !== null) row[columns.owner] = owner;
  return row;
}

/** Creates the row of a stored file; deletes the object when the create fails (hooks, validation, scope, the database). */
export async function createFileRow(
  c: Context<CovaraEnv>,
  resource: ResourceHandle,
  options: ResolvedFileOptions,
  access: Access,
  body: Row,
  file: IngestedFile,
  name: string,
) {
  try {
    return await resource.create(c, access, body, fileColumns(options, file, name, access.user?.id));
  } catch (error) {
    await options.storage.delete(file.key).catch((cleanup: unknown) => {
      resource.app.logger.error(`covara: could not delete stored file '${file.key}' after its row failed`, cleanup, {
        source: "files",
      });
    });
    throw error;
  }
}

/** The 201 of a created file row, encoded as every resource response is. */
export function sendCreated(
  c: Context<CovaraEnv>,
  created: { presented: Row; headers: Record<string, string> },
): Response {
  return c.body(toJson(created.presented), 201, { ...created.headers, "content-type": "application/json" });
}

function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

function parseDataField(text: string): Row {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProblemError("validation-error", {
      detail: "The 'data' field must be a JSON object of the row's fields",
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProblemError("validation-error", {
      detail: "The 'data' field must be a JSON object of the row's fields",
    });
  }
  return value as Row;
}

/** The file name of a raw upload: `?name=` or `X-File-Name` (percent-decoded). */
function rawFileName(c: Context<CovaraEnv>): string {
  const given = c.req.query("name") ?? c.req.header("x-file-name");
  if (given === undefined) return "file";
  try {
    return decodeURIComponent(given);
  } catch {
    return given;
  }
}

/** Handles an upload request; the 201 response carries the created row. */
export async function handleUpload(
  c: Context<CovaraEnv>,
  resource: ResourceHandle,
  options: ResolvedFileOptions,
): Promise<Response> {
  const contentType = c.req.header("content-type");
  if (isJson(contentType)) {
    throw new ProblemError("file-upload-required", {
      detail:
        "A file resource creates rows by upload: send multipart/form-data with a file part, or the file itself as the body",
      extensions: { accepted: ["multipart/form-data", "*/*"] },
    });
  }
  // Authorization first: an unauthorized caller never gets to fill the storage.
  const access = await resource.createAccess(c);
  const boundary = multipartBoundary(contentType);
  const declaredLength = Number(c.req.header("content-length") ?? Number.NaN);
  const body = requestBody(c);
  if (!body) throw new ProblemError("empty-file", { detail: "The request has no body" });

  if (boundary === null) {
    if (declaredLength > options.maxFileSize) {
      await body.cancel().catch(() => {});
      throw tooLarge(options.maxFileSize);
    }
    const name = safeFileName(rawFileName(c));
    const file = await ingest(body, {
      storage: options.storage,
      key: newStorageKey(options.keyPrefix, access.user?.id, name),
      declaredType: contentType,
      fileName: name,
      maxFileSize: options.maxFileSize,
      allowedMimeTypes: options.allowedMimeTypes,
    });
    const created = await createFileRow(c, resource, options, access, {}, file, name);
    return sendCreated(c, created);
  }
  return handleMultipart(c, resource, options, access, body, boundary);
}

async function handleMultipart(
  c: Context<CovaraEnv>,
  resource: ResourceHandle,
  options: ResolvedFileOptions,
  access: Access,
  body: ReadableStream<Uint8Array>,
  boundary: string,
): Promise<Response> {
  const reader = new MultipartReader(body.getReader(), boundary);
  const fields: Row = {};
  let data: Row = {};
  let file: { stored: IngestedFile; name: string } | undefined;
  let fieldCount = 0;
  try {
    for (;;) {
      const event = await reader.next();
      if (event.kind === "end") break;
      if (event.kind !== "part") continue;
      const { headers } = event;
      if (headers.filename !== undefined) {
        if (file)
          throw new ProblemError("malformed-multipart", {
            detail: "One file per upload: the form has a second file part",
          });
        const name = safeFileName(headers.filename);
        const stored = await ingest(reader.partBody(), {
          storage: options.storage,
          key: newStorageKey(options.keyPrefix, access.user?.id, name),
          declaredType: headers.contentType,
          fileName: name,
          maxFileSize: options.maxFileSize,
          allowedMimeTypes: options.allowedMimeTypes,
        });
        file = { stored, name };
        continue;
      }
      if (++fieldCount > MAX_FIELDS)
        throw new ProblemError("malformed-multipart", { detail: `A form has at most ${MAX_FIELDS} fields` });
      const text = await reader.partText(MAX_FIELD_BYTES);
      if (headers.name === "data") data = parseDataField(text);
      else fields[headers.name] = text;
    }
  } catch (error) {
    // A failure after the file was stored (a bad trailing field, a truncated end) removes it again.
    if (file) await options.storage.delete(file.stored.key).catch(() => {});
    throw error;
  }
  if (!file)
    throw new ProblemError("malformed-multipart", { detail: "The form has no file part (a part with a filename)" });
  const created = await createFileRow(c, resource, options, access, { ...fields, ...data }, file.stored, file.name);
  return sendCreated(c, created);
}
