/** The problem types of live subscriptions (SSE `error` events and the subscribe endpoints). */
import { defineProblemTypes } from "../kernel/errors";

export const REALTIME_PROBLEM_TYPES = defineProblemTypes({
  "invalid-event-id": { status: 400, title: "Invalid Last-Event-ID" },
  "slow-consumer": { status: 503, title: "Subscriber too slow" },
  "realtime-unavailable": { status: 503, title: "Live updates unavailable" },
});

type RealtimeProblemTypes = typeof REALTIME_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends RealtimeProblemTypes {}
}
