/** The problem types of the data service's unit of work. */
import { defineProblemTypes } from "../kernel/errors";

export const DATA_SERVICE_PROBLEM_TYPES = defineProblemTypes({
  "unit-of-work-failed": { status: 500, title: "A queued write failed" },
});

type DataServiceProblemTypes = typeof DATA_SERVICE_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends DataServiceProblemTypes {}
}
