/** The problem types of htmx pages' live endpoints (`/__covara/live/...`). */
import { defineProblemTypes } from "../kernel/errors";

export const HTMX_PROBLEM_TYPES = defineProblemTypes({
  "live-region-not-found": { status: 404, title: "Live region not found" },
  "htmx-request-required": { status: 403, title: "htmx request required" },
});

type HtmxProblemTypes = typeof HTMX_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends HtmxProblemTypes {}
}
