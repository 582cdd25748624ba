/** A one-line progress count on stderr, redrawn at most ten times a second, only on a terminal. */
import type { CliIO } from "../output";

/** Below this many rows a table is quick: no progress line. */
const WORTH_SHOWING = 5_000;

export interface Progress {
  add(rows: number): void;
  done(): void;
}

/** Counts rows of `label` towards `total` (when known); silent unless stderr is a terminal. */
export function rowProgress(io: CliIO, label: string, total: number | undefined): Progress {
  if (!io.progress || (total !== undefined && total < WORTH_SHOWING)) return { add: () => {}, done: () => {} };
  let count = 0;
  let drawnAt = 0;
  const draw = () =>
    io.stderr(
      `\r${label}: ${count.toLocaleString("en")}${total === undefined ? "" : ` / ${total.toLocaleString("en")}`} rows`,
    );
  return {
    add(rows) {
      count += rows;
      if (Date.now() - drawnAt < 100) return;
      drawnAt = Date.now();
      draw();
    },
    done() {
      draw();
      io.stderr("\n");
    },
  };
}
