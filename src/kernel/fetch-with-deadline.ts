/**
 * One outgoing HTTP call with a deadline that covers the whole exchange (connect, headers and
 * body), read as text and parsed as JSON when it is JSON. Every way it can fail comes back as a
 * value, so each caller (email and billing providers) maps failures to its own problem in one place.
 */

/** The answer: its status and body, or how the exchange failed. */
export type DeadlineFetchResult =
  | { ok: true; response: Response; text: string; json: unknown }
  | {
      ok: false;
      /** The deadline passed (before the answer or while its body was read). */
      timedOut: boolean;
      /** The status when the headers arrived and the body was then cut off; null when no answer came. */
      status: number | null;
      cause: unknown;
    };

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

/** JSON.parse that answers undefined for text that is not JSON (or is empty). */
function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Fetches `url`, aborting after `timeoutMs`; `json` is undefined when the body is not JSON. */
export async function fetchWithDeadline(
  doFetch: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<DeadlineFetchResult> {
  let response: Response;
  try {
    response = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    return { ok: false, timedOut: isTimeout(error), status: null, cause: error };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return { ok: false, timedOut: isTimeout(error), status: response.status, cause: error };
  }
  return { ok: true, response, text, json: parseJson(text) };
}
