/**
 * CSV as RFC 4180 writes it (comma, double quotes, CRLF or LF), one record at a time in both
 * directions. An empty unquoted field is NULL and `""` is the empty string, so that a table
 * survives export and import unchanged.
 */
import { CliError } from "../output";

/** One field as text: quoted when it holds a comma, a quote, a line break, or is the empty string. */
function field(value: string | null): string {
  if (value === null) return "";
  if (value === "" || /[",\r\n]/.test(value)) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

/** One record with its line break. */
export function csvLine(values: readonly (string | null)[]): string {
  return `${values.map(field).join(",")}\n`;
}

export interface CsvRecord {
  /** NULL for an empty unquoted field. */
  fields: (string | null)[];
  /** The line the record starts on (1 is the header). */
  line: number;
}

/** Reads records from text chunks as they arrive; a malformed line is an error naming its number. */
export async function* parseCsv(chunks: AsyncIterable<string>, file: string): AsyncGenerator<CsvRecord> {
  let fields: (string | null)[] = [];
  let value = "";
  let quoted = false;
  let inQuotes = false;
  let afterQuote = false;
  let line = 1;
  let recordLine = 1;
  let pendingCR = false;
  let any = false;
  const bad = (why: string) =>
    new CliError(
      `${file} line ${line}: ${why}.`,
      'Quote a field that holds a comma, a quote or a line break ("a ""quoted"" word"), then run the import again; nothing was imported.',
    );
  const endField = () => {
    fields.push(quoted || value !== "" ? value : null);
    value = "";
    quoted = false;
    afterQuote = false;
  };
  for await (const chunk of chunks) {
    const records: CsvRecord[] = [];
    for (const char of chunk) {
      if (pendingCR) {
        pendingCR = false;
        if (char === "\n") continue;
      }
      if (inQuotes) {
        if (char === '"') {
          inQuotes = false;
          afterQuote = true;
        } else {
          if (char === "\n") line++;
          value += char;
        }
        continue;
      }
      if (char === '"') {
        if (afterQuote) {
          // A doubled quote inside a quoted field.
          value += '"';
          inQuotes = true;
          afterQuote = false;
        } else if (value === "" && !quoted) {
          quoted = true;
          inQuotes = true;
          any = true;
        } else {
          throw bad("a double quote inside an unquoted field");
        }
      } else if (char === ",") {
        endField();
        any = true;
      } else if (char === "\n" || char === "\r") {
        if (any || value !== "") {
          endField();
          records.push({ fields, line: recordLine });
        }
        fields = [];
        any = false;
        line++;
        recordLine = line;
        pendingCR = char === "\r";
      } else {
        if (afterQuote) throw bad(`"${char}" after a closing quote (expected a comma or the end of the line)`);
        value += char;
        any = true;
      }
    }
    yield* records;
  }
  if (inQuotes) {
    line = recordLine;
    throw bad("a quoted field that never ends (an unmatched double quote)");
  }
  if (any || value !== "") {
    endField();
    yield { fields, line: recordLine };
  }
}
