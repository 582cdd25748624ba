/** A region's query as the query string of the resource's list and subscribe endpoints. */
import type { LiveAggregateQuery, LiveQuery } from "./types";

/** How many rows a region shows unless its query says otherwise. */
export const DEFAULT_REGION_LIMIT = 100;

/** The list endpoint's parameters for a region's query. */
export function listParameters(query: LiveQuery | undefined): Record<string, string> {
  const parameters: Record<string, string> = { limit: String(query?.limit ?? DEFAULT_REGION_LIMIT) };
  if (query?.filter) parameters.filter = query.filter;
  if (query?.orderBy) parameters.orderBy = query.orderBy;
  if (query?.select) parameters.select = query.select;
  if (query?.include) parameters.include = query.include;
  return parameters;
}

/** `GET /aggregate`'s parameters for an aggregate region (the resource's own defaults otherwise). */
export function aggregateParameters(query: LiveAggregateQuery): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") parameters[name] = String(value);
  }
  return parameters;
}
