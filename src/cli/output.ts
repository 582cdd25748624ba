/** How the CLI writes: the IO it is given, colours only on a terminal that wants them. */

/** Where the CLI writes and reads; tests pass their own to capture output. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** ANSI colours: only on a TTY and never with NO_COLOR set. Default false. */
  color?: boolean;
  /** Whether questions may be asked on stdin (a TTY). Default false. */
  interactive?: boolean;
  /** Whether stderr is a terminal that can show a progress line. Default false. */
  progress?: boolean;
}

/** The real terminal. */
export function processIO(): CliIO {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "";
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    color: Boolean(process.stdout.isTTY) && !noColor,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    progress: Boolean(process.stderr.isTTY),
  };
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;
export type Style = keyof typeof CODES;

/** `text` in `style` when the IO wants colours, else unchanged. */
export function paint(io: CliIO, style: Style, text: string): string {
  if (!io.color) return text;
  const [open, close] = CODES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** An error the user can fix: printed as `covara <command>: <message>` plus a hint, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Wrong arguments: exit code 2, with a pointer to the command's --help. */
export class UsageError extends CliError {
  constructor(message: string, command: string) {
    super(message, `Run "covara ${command} --help" for the options.`, 2);
    this.name = "UsageError";
  }
}
