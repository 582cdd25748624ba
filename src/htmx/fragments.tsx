/**
 * The HTML pieces covara itself renders around a region: the error slot, the error fragment a
 * refused request answers with, and rows rendered to strings for endpoints and the live stream.
 */
import type { Table } from "drizzle-orm";
import type { Child } from "hono/jsx";
import type { ProblemDocument } from "../kernel/errors";
import { assumeType } from "../kernel/erased";
import { errorsDomId, liveHelpers } from "./helpers";
import { type CapturedRegion, isSubscribable } from "./render-state";
import type { LiveRow } from "./types";

/** Renders any JSX child (element, string, array, async component) to an HTML string. */
export async function renderChild(child: Child): Promise<string> {
  // biome-ignore lint/complexity/noUselessFragments: the fragment makes any child (text, array, element) one renderable node.
  return String(await (<>{child}</>).toString());
}

/** One row of the region, as HTML. */
export function renderRow(region: CapturedRegion, row: Record<string, unknown>): Promise<string> {
  // The row came from the resource's own endpoint for this table: its presented shape.
  return renderChild(
    region.props.render(assumeType<LiveRow<Table>>(row), liveHelpers(region.id, isSubscribable(region.resource))),
  );
}

/** Rows of the region, as HTML, in order. */
export async function renderRows(region: CapturedRegion, rows: readonly Record<string, unknown>[]): Promise<string> {
  const parts = await Promise.all(rows.map((row) => renderRow(region, row)));
  return parts.join("");
}

/** The slot a region's refused writes render into (`oob` renders it to be swapped out of band, emptied). */
export function ErrorSlot({ regionId, oob, children }: { regionId: string; oob?: boolean; children?: Child }) {
  return (
    <div
      id={errorsDomId(regionId)}
      class="covara-errors"
      role="alert"
      aria-live="polite"
      hx-swap-oob={oob ? "true" : undefined}
    >
      {children}
    </div>
  );
}

interface Issue {
  path: string;
  message: string;
}

/** The field issues of a validation problem, when it carries well-formed ones. */
function issuesOf(problem: ProblemDocument): Issue[] {
  const errors = problem.errors;
  if (!Array.isArray(errors)) return [];
  return errors.filter(
    (issue): issue is Issue =>
      typeof issue === "object" &&
      issue !== null &&
      typeof issue.path === "string" &&
      typeof issue.message === "string",
  );
}

/** A problem as an HTML fragment: its title, detail and, for validation errors, one line per field. */
export function ErrorFragment({ problem }: { problem: ProblemDocument }) {
  const issues = issuesOf(problem);
  return (
    <div class="covara-error" data-code={problem.code} data-status={String(problem.status)}>
      <strong>{problem.title}</strong>
      {problem.detail ? <span class="covara-error-detail">{` ${problem.detail}`}</span> : null}
      {issues.length > 0 ? (
        <ul>
          {issues.map((issue) => (
            <li key={`${issue.path}:${issue.message}`} data-field={issue.path}>
              <code>{issue.path}</code> {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
