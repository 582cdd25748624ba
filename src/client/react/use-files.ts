/**
 * React hooks for file resources: `useFileUpload` (an upload with progress), `useFile` (one
 * file's row and download URL) and `useFiles` (the live list of files, each with its URL).
 * Download URLs are plain strings (`getDownloadUrl`), so React Native hands them to `Linking`.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { type CovaraClientError, toClientError } from "../errors";
import type { UploadableFile, UploadOptions } from "../files";
import type { SubscribeQuery } from "../resource";
import type { RowId } from "../types";
import { queryKey } from "./key";
import { useClient } from "./provider";
import { useCachedQuery } from "./use-query";
import { useLiveList, type UseLiveListResult } from "./use-live-list";

export interface UseFileUploadOptions<Row> {
  /** The file resource's path, e.g. "/api/files". */
  resourcePath: string;
  /** The row's other fields, sent with every upload (an upload's own `data` wins). */
  data?: Record<string, unknown>;
  onSuccess?(file: Row): void;
  onError?(error: CovaraClientError): void;
}

export interface UseFileUploadResult<Row> {
  /** Uploads one file; resolves to the created row, or undefined on failure (see `error`). Never rejects. */
  upload(file: UploadableFile, options?: Omit<UploadOptions, "onProgress" | "signal">): Promise<Row | undefined>;
  isUploading: boolean;
  /** 0 to 100 for the upload in progress (or the last one). */
  progress: number;
  error: CovaraClientError | undefined;
  /** The row of the last successful upload. */
  file: Row | undefined;
  /** Aborts the upload in progress. */
  cancel(): void;
  reset(): void;
}

/** An upload with progress; the resource's lists are invalidated when it succeeds. */
export function useFileUpload<Row = Record<string, unknown>>(
  options: UseFileUploadOptions<Row>,
): UseFileUploadResult<Row> {
  const client = useClient();
  const [isUploading, setUploading] = useState(false);
  const [progress, setProgress] = useState(0);
  const [error, setError] = useState<CovaraClientError | undefined>(undefined);
  const [file, setFile] = useState<Row | undefined>(undefined);
  const controller = useRef<AbortController | undefined>(undefined);
  const latest = useRef(options);
  latest.current = options;
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      controller.current?.abort();
    };
  }, []);

  const upload = useCallback(
    async (chosen: UploadableFile, uploadOptions: Omit<UploadOptions, "onProgress" | "signal"> = {}) => {
      const { resourcePath, data, onSuccess, onError } = latest.current;
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      setUploading(true);
      setProgress(0);
      setError(undefined);
      try {
        const row = await client.files<Record<string, unknown>>(resourcePath).upload(chosen, {
          ...uploadOptions,
          ...(data || uploadOptions.data ? { data: { ...data, ...uploadOptions.data } } : {}),
          signal: abort.signal,
          onProgress: (p) => {
            if (mounted.current && controller.current === abort) setProgress(p.percent);
          },
        });
        const created = row as Row;
        if (mounted.current && controller.current === abort) {
          setProgress(100);
          setFile(created);
          setUploading(false);
        }
        client.invalidate(resourcePath);
        onSuccess?.(created);
        return created;
      } catch (thrown) {
        const failure = toClientError(thrown);
        if (mounted.current && controller.current === abort) {
          setError(failure);
          setUploading(false);
        }
        onError?.(failure);
        return undefined;
      }
    },
    [client],
  );

  const cancel = useCallback(() => controller.current?.abort(), []);
  const reset = useCallback(() => {
    controller.current?.abort();
    controller.current = undefined;
    setUploading(false);
    setProgress(0);
    setError(undefined);
    setFile(undefined);
  }, []);
  return { upload, isUploading, progress, error, file, cancel, reset };
}

export interface UseFileResult<Row> {
  file: Row | undefined;
  isLoading: boolean;
  error: CovaraClientError | undefined;
  /** The content's URL (undefined without an id). */
  downloadUrl: string | undefined;
}

/** One file's row (cached, refetched on invalidation) and its download URL. */
export function useFile<Row extends object = Record<string, unknown>>(
  resourcePath: string,
  id: RowId | null | undefined,
): UseFileResult<Row> {
  const client = useClient();
  const enabled = id !== null && id !== undefined;
  const state = useCachedQuery(
    queryKey(`${resourcePath}#file`, { id }),
    resourcePath,
    (signal) => client.resource<Row>(resourcePath).get(id as RowId, { signal }) as Promise<Row>,
    enabled,
  );
  return {
    file: state.data,
    isLoading: enabled && (state.status === "loading" || state.status === "idle"),
    error: state.error === undefined || state.error === null ? undefined : toClientError(state.error),
    downloadUrl: enabled ? client.files(resourcePath).downloadUrl(id) : undefined,
  };
}

export interface UseFilesResult<Row> extends UseLiveListResult<Row> {
  /** The download URL of a file of the list. */
  getDownloadUrl(id: RowId): string;
}

/** The live list of a file resource's rows (as `useLiveList`), with their download URLs. */
export function useFiles<Row extends object = Record<string, unknown>>(
  resourcePath: string,
  query: SubscribeQuery<Row> = {},
): UseFilesResult<Row> {
  const client = useClient();
  const list = useLiveList<Row>(resourcePath, query);
  const getDownloadUrl = useCallback((id: RowId) => client.files(resourcePath).downloadUrl(id), [client, resourcePath]);
  return { ...list, getDownloadUrl };
}
