/**
 * The mark a tracked db (realtime's `trackMutations`) carries: the symbol under which it exposes
 * the plain db it wraps. It lives in the kernel so that the resource layer can unwrap a tracked
 * db without depending on realtime.
 */
export const TRACKED_DATABASE = Symbol.for("covara.trackedDatabase");

/** The plain db behind a tracked one; any other db is returned as it is. */
export function untrackedDatabase<TDb extends object>(db: TDb): TDb {
  const context = (db as { [TRACKED_DATABASE]?: { base: object } })[TRACKED_DATABASE];
  return context ? (context.base as TDb) : db;
}
