/** Flag parsing for every command: node:util's parseArgs, with its errors turned into usage errors. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./output";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses `argv` strictly; an unknown flag or a missing value is a usage error (exit 2). */
export function parseCommandArgs<const T extends Options>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), command);
  }
}
