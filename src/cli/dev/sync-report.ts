/** How `covara dev` and `covara db push` describe a schema push, and the refusal of a risky one. */
import { paint, type CliIO } from "../output";
import { reasonFor, type ClassifiedPush } from "./classify";

const oneLine = (statement: string) => statement.trim().replace(/\s+/g, " ");

export function describeApplied(io: CliIO, statements: string[]): string {
  return statements.map((statement) => `  ${paint(io, "green", "+")} ${oneLine(statement)}\n`).join("");
}

/** The explanation printed when a push would lose data and was not applied. */
export function describeRefusal(io: CliIO, plan: ClassifiedPush, retry: string): string {
  const lines = [`${paint(io, "yellow", "schema change NOT applied:")} it could lose data.`];
  for (const warning of plan.warnings) lines.push(`  ${warning.replace(/^\W+/, "").trim()}`);
  for (const statement of plan.destructive)
    lines.push(`  ${paint(io, "red", "!")} ${oneLine(statement)}    -- ${reasonFor(statement)}`);
  lines.push("  To fix: give the new column a .default(...) or make it nullable (drop .notNull()), or", `  ${retry}.`);
  return `${lines.join("\n")}\n`;
}
