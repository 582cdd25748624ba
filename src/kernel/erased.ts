/**
 * The one door out of the type system. covara types everything from the table to the app, but
 * a few values cross a boundary where TypeScript cannot follow them:
 *
 * - the runtime works on erased rows and configs (`Record<string, unknown>`, `Table`,
 *   `AnyDatabase`) while the public types carry the user's table, database and computed fields;
 *   the app object is built once at run time and typed per `.resource()` call;
 * - Drizzle's query builders differ between its SQLite and Postgres databases, and the shared
 *   code calls the methods both have through one structural view;
 * - a few platform and library values are wider than what covara has checked them to be
 *   (a verified JWT's claims, a timer's optional `unref`, a Zod object seen as a row schema).
 *
 * Every such crossing calls `assumeType`, so `grep assumeType src/` lists them all, and nothing
 * else in `src/` may use `as any` or `as unknown as`. Each call site says in a comment why the
 * assumption holds. Prefer a type guard or a real type wherever one can be written.
 */

/** Treats `value` as a `T` without a check; the caller documents why the value is one. */
export function assumeType<T>(value: unknown): T {
  return value as T;
}
