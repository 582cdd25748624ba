/**
 * The client's view of an app's types, read structurally: the server's app type carries a phantom
 * `"~covara"` member of this shape, and the generated `.d.ts` writes the same map. Nothing here
 * imports the server, so the client bundle never pulls server code.
 */

/** Types of one mounted resource. */
export interface ResourceTypeInfo {
  /** A response row (masked fields removed, computed fields added). */
  row: object;
  /** A create body. */
  create: object;
  /** A patch body. */
  update: object;
  procedures: Record<string, { input: unknown; output: unknown }>;
}

/** Every resource by the path it is mounted at (`"/api/users"`). */
export interface CovaraTypeInfo {
  resources: Record<string, ResourceTypeInfo>;
}

/** What `createClient<T>()` accepts: an app type carrying `"~covara"`, or the map itself. */
export type AppTypeSource = { readonly "~covara": CovaraTypeInfo } | CovaraTypeInfo;

/** The map of an app type or of a plain map. */
export type TypeInfoOf<T> = T extends { readonly "~covara": infer I extends CovaraTypeInfo }
  ? I
  : T extends CovaraTypeInfo
    ? T
    : { resources: Record<never, never> };

/** A row of an unknown resource. */
export type AnyRow = Record<string, unknown>;

/** Fallback types for a path the map does not name. */
export interface UntypedResource<Row extends object = AnyRow> {
  row: Row;
  create: Partial<Row>;
  update: Partial<Row>;
  procedures: Record<string, { input: unknown; output: unknown }>;
}

/** The resource info of `path` in `T`, or the untyped fallback. */
export type ResourceInfoAt<T, P extends string> = string extends keyof TypeInfoOf<T>["resources"]
  ? UntypedResource
  : P extends keyof TypeInfoOf<T>["resources"]
    ? TypeInfoOf<T>["resources"][P] extends infer R extends ResourceTypeInfo
      ? R
      : UntypedResource
    : UntypedResource;

/** Row narrowed to the selected keys (when `select` is a literal tuple). */
export type Selected<Row, S> = S extends readonly (infer K)[]
  ? string extends K
    ? Row
    : Pick<Row, Extract<K, keyof Row>>
  : Row;

/** A row id as the server accepts it in a path. */
export type RowId = string | number;

/** Distributes `Partial` safely over objects. */
export type Patch<T> = { [K in keyof T]?: T[K] };
