/** The problem types of file resources: uploads, downloads, local serving and presigned transfers. */
import { defineProblemTypes } from "../kernel/errors";

export const FILES_PROBLEM_TYPES = defineProblemTypes({
  "file-too-large": { status: 413, title: "File too large" },
  "empty-file": { status: 400, title: "Empty file" },
  "file-type-not-allowed": { status: 415, title: "File type not allowed" },
  "file-content-mismatch": { status: 415, title: "File content does not match its type" },
  "malformed-multipart": { status: 400, title: "Malformed multipart body" },
  "multipart-headers-too-large": { status: 413, title: "Multipart part headers too large" },
  "upload-incomplete": { status: 400, title: "Upload incomplete" },
  "file-upload-required": { status: 415, title: "Upload a file" },
  "storage-unavailable": { status: 503, title: "File storage unavailable" },
  "range-not-satisfiable": { status: 416, title: "Range not satisfiable" },
  "file-missing": { status: 404, title: "File content missing" },
  "presigned-upload-not-found": { status: 404, title: "Presigned upload not found" },
  "presigned-upload-mismatch": { status: 422, title: "Uploaded file does not match" },
  "presigned-urls-unavailable": { status: 404, title: "Presigned URLs not enabled" },
});

type FilesProblemTypes = typeof FILES_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends FilesProblemTypes {}
}

/** Every slug above, for the extension's `problems` list. */
export const FILES_PROBLEMS = Object.keys(FILES_PROBLEM_TYPES) as (keyof FilesProblemTypes)[];
