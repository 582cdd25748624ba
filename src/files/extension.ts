/**
 * The `files()` resource extension behind `app.fileResource(...)`: upload (`POST /`), download
 * (`GET /:id/download`), and with `usePresignedUrls` the direct-to-bucket pair `POST /presign` and
 * `POST /confirm`. Everything else (list, get, update, delete, filters, hooks, procedures,
 * relations, subscriptions, scopes, masking) is the resource's own.
 */
import type { Context } from "hono";
import { methodNotAllowed } from "../kernel/error-handler";
import { problems } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import type { ResourceExtension, ResourceHandle } from "../resource/extension";
import { contentDisposition } from "./disposition";
import { sendFile, type FileToSend } from "./download";
import { FILES_PROBLEMS } from "./problems";
import { resolveFileOptions, type ResolvedFileOptions } from "./options";
import { confirmPresignedUpload, startPresignedUpload } from "./presigned";
import { handleUpload } from "./upload";
// Types only: its `declare module` adds the `files` key this extension reads.
import type {} from "./file-resource";

/** The resolved options of each mounted file resource (local serving reads them). */
const mounted = new WeakMap<ResourceHandle, ResolvedFileOptions>();

/** The file options of a resource mounted with the files extension, if it is one. */
export function fileOptionsOf(resource: ResourceHandle): ResolvedFileOptions | undefined {
  return mounted.get(resource);
}

/** The file of a stored row, as a download sends it. */
export function fileOfRow(
  resource: ResourceHandle,
  options: ResolvedFileOptions,
  row: Record<string, unknown>,
): FileToSend {
  const { columns } = options;
  const text = (column: string | undefined) =>
    column && typeof row[column] === "string" ? (row[column] as string) : undefined;
  const size = columns.size ? Number(row[columns.size]) : Number.NaN;
  const file: FileToSend = {
    key: String(row[columns.key]),
    name: text(columns.name) ?? String(row[columns.key]).split("/").pop()!,
    isPublic: resource.config.auth?.public?.read !== undefined,
  };
  if (Number.isSafeInteger(size)) file.size = size;
  const type = text(columns.mimeType);
  if (type) file.contentType = type;
  const hash = text(columns.hash);
  if (hash && /^[0-9a-f]{64}$/.test(hash)) file.sha256 = hash;
  return file;
}

async function download(
  c: Context<CovaraEnv>,
  resource: ResourceHandle,
  options: ResolvedFileOptions,
): Promise<Response> {
  const access = await resource.readAccess(c);
  const idText = c.req.param("id")!;
  const row = await resource.findLiveBy(resource.info.idKey, resource.parseId(idText), access);
  if (!row) throw problems.notFound(resource.name, idText);
  const file = fileOfRow(resource, options, row);
  if (options.presign && options.storage.presign) {
    const signed = await options.storage.presign(file.key, {
      method: "GET",
      expiresIn: options.presign.expiresIn,
      responseContentDisposition: contentDisposition("attachment", file.name),
    });
    return c.redirect(signed.url, 302);
  }
  return sendFile(c.req.raw, options.storage, file);
}

/** The files extension (added by `fileResource`; not meant for plain resources). */
export function files(): ResourceExtension {
  return {
    name: "files",
    problems: FILES_PROBLEMS,
    init(resource, app) {
      const settings = resource.config.files;
      if (!settings)
        throw new TypeError(
          `covara: the files extension serves resources mounted with fileResource(), and ${resource.name} is not one`,
        );
      const options = resolveFileOptions(resource, settings.options);
      settings.runtime.logger = app.logger;
      settings.runtime.storage = options.storage;
      mounted.set(resource, options);
    },
    mount(router, resource) {
      const options = mounted.get(resource)!;
      router.post("/", (c) => handleUpload(c, resource, options));
      router.get("/:id/download", (c) => download(c, resource, options));
      router.all("/:id/download", methodNotAllowed(["GET", "HEAD"]));
      if (options.presign) {
        router.post("/presign", (c) => startPresignedUpload(c, resource, options));
        router.post("/confirm", (c) => confirmPresignedUpload(c, resource, options));
      }
    },
    openapi(resource, base, shared) {
      const options = mounted.get(resource);
      const paths: Record<string, Record<string, Record<string, unknown>>> = {
        [`${base}/{id}/download`]: {
          get: {
            tags: shared.tags,
            operationId: `download${shared.name}`,
            description: "The file's content (Range requests, ETag, Content-Disposition).",
            parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
            responses: {
              "200": {
                description: "The file",
                content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
              },
              "206": { description: "A byte range of the file" },
              "304": { description: "Not modified" },
              "404": shared.problem("No such file"),
              "416": shared.problem("Range not satisfiable"),
              "503": shared.problem("Storage unavailable"),
              ...shared.errors,
            },
          },
        },
      };
      if (options?.presign) {
        paths[`${base}/presign`] = {
          post: {
            tags: shared.tags,
            operationId: `presignUpload${shared.name}`,
            description: "A presigned direct-to-bucket upload.",
            responses: { "200": { description: "The upload URL and its token" }, ...shared.errors },
          },
        };
        paths[`${base}/confirm`] = {
          post: {
            tags: shared.tags,
            operationId: `confirmUpload${shared.name}`,
            description: "Checks a presigned upload and creates its row.",
            responses: {
              "201": { description: "The created row", content: { "application/json": { schema: shared.rowRef } } },
              ...shared.errors,
            },
          },
        };
      }
      return paths;
    },
  };
}
