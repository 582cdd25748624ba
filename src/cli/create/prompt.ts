/** The questions `covara create` asks on a terminal when no flags choose for it. */
import { createInterface } from "node:readline";
import { CliError, paint, type CliIO } from "../output";

export interface Asker {
  /** Asks until the answer is one of `choices` (empty answer: the first). */
  choose<T extends string>(question: string, choices: readonly T[]): Promise<T>;
  close(): void;
}

/** An asker on stdin/stdout; lines typed ahead (or piped) are answers in order. */
export function terminalAsker(
  io: CliIO,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Asker {
  const rl = createInterface({ input, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  return {
    async choose(question, choices) {
      for (;;) {
        const [first, ...rest] = choices;
        const hint = [paint(io, "bold", first ?? ""), ...rest].join("/");
        output.write(`${paint(io, "cyan", "?")} ${question} (${hint}) `);
        const next = await lines.next();
        if (next.done)
          throw new CliError(
            "stdin closed before every question was answered.",
            "Pass --template, --db and --frontend to choose without questions.",
          );
        const answer = String(next.value).trim().toLowerCase();
        if (answer === "" && first !== undefined) return first;
        const found = choices.find((choice) => choice === answer);
        if (found) return found;
        io.stdout(`  Please answer one of: ${choices.join(", ")}\n`);
      }
    },
    close: () => rl.close(),
  };
}
