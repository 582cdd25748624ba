/** The problem types of full-text search (it also answers with resource's `cursor-invalid`). */
import { defineProblemTypes } from "../kernel/errors";

export const SEARCH_PROBLEM_TYPES = defineProblemTypes({
  "search-unavailable": { status: 503, title: "Search unavailable" },
});

type SearchProblemTypes = typeof SEARCH_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends SearchProblemTypes {}
}
