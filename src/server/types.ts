/**
 * What an app's type records about its resources, for typed clients. A leaf: it imports nothing,
 * so the client and the server can both depend on it.
 */

/** The types of one mounted resource, as a client sees them over HTTP. */
export interface ResourceTypeInfo {
  /** A response row: readable columns (masked ones removed) plus computed fields. */
  row: object;
  /** The body of `POST /` (create). */
  create: object;
  /** The body of `PATCH /:id` (update). */
  update: object;
  /** `POST /rpc/:name`: each procedure's input and result. */
  procedures: Record<string, { input: unknown; output: unknown }>;
}

/**
 * The phantom `"~covara"` member of an app's type: every resource by its full path as mounted
 * (base path included, e.g. `"/api/users"`). It exists only in types.
 */
export interface CovaraTypeInfo {
  resources: Record<string, ResourceTypeInfo>;
}
