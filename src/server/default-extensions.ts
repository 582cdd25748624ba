/**
 * The resource extensions every resource gets unless told otherwise — search and live
 * subscriptions, as before extensions existed — and the package's `useResource`, which mounts a
 * standalone resource with them.
 */
import { useResource as mountResource, type ResourceExtension } from "../resource";
import { search } from "../search";
import { subscriptions } from "../realtime";

/** `[search(), subscriptions()]`: subscriptions are served by the app's hub (or one per database when standalone). */
export function defaultExtensions(): ResourceExtension[] {
  return [search(), subscriptions()];
}

/**
 * The generated REST endpoints of a Drizzle table, as a Hono router to mount anywhere, with the
 * default extensions unless `options.extensions` names others. Resources that relate to each
 * other share a `registry` (createCovara does this for you). Typed exactly as the resource
 * layer's `useResource`, which it wraps.
 */
export const useResource: typeof mountResource = (table, config, options = {}) =>
  mountResource(table, config, { ...options, extensions: options.extensions ?? defaultExtensions() });
