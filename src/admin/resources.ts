/** Finding a resource of the app by name, and the facts of it the data explorer shows. */
import type { Column } from "drizzle-orm";
import "./problems";
import { ProblemError } from "../kernel/errors";
import type { AdminResource, AdminServices } from "./view";

/** The resource named `name`, or a 404 problem. */
export function resourceNamed(services: AdminServices, name: string): AdminResource {
  const found = services.resources().find((resource) => resource.handle.name === name);
  if (found === undefined)
    throw new ProblemError("admin-resource-not-found", { detail: `No resource named '${name}'` });
  return found;
}

/** The columns a create or edit form offers: writable, not generated, and not the id when editing. */
export function formColumns(resource: AdminResource, editing: boolean): Array<[string, Column]> {
  const { info } = resource.handle;
  return Object.entries(info.columns).filter(
    ([key]) =>
      !info.generated.has(key) &&
      (info.writable === null || info.writable.has(key)) &&
      !(editing && key === info.idKey),
  );
}
