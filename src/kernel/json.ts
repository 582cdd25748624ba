/** The one JSON encoder of every response body and event: plain JSON, plus bigint values as strings. */

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * JSON text that also carries bigint values (as strings). The plain stringify runs first: it is
 * the fast path, and only a bigint makes it throw.
 */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(value, bigintSafe);
  }
}
