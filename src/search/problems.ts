/** The problem types of full-text search (it also answers with resource's `cursor-invalid`). */
import { defineProblemTypes } from "../kernel/errors";

export const SEARCH_PROBLEM_TYPES = defineProblemTypes({
  "search-unavailable": { status: 503, title: "Search unavailable" },
});

// Registered here too, as the resource layer defines it (a matching second definition is a no-op),
// so a search module never depends on resource/problems.ts having loaded.
defineProblemTypes({ "cursor-invalid": { status: 400, title: "Invalid cursor" } });

type SearchProblemTypes = typeof SEARCH_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends SearchProblemTypes {}
}
