/** CSV reading and writing, and export's streaming and progress, without a generated project. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { afterAll, describe, expect, it } from "vitest";
import { csvLine, type CsvRecord, parseCsv } from "../../src/cli/db/csv";
import { exportTable, type Sink } from "../../src/cli/db/export";
import { libsqlSqlClient } from "../../src/cli/project/sql-client";

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  yield* parts;
}

async function records(...parts: string[]): Promise<CsvRecord[]> {
  const all: CsvRecord[] = [];
  for await (const record of parseCsv(chunks(...parts), "t.csv")) all.push(record);
  return all;
}

describe("CSV", () => {
  it("writes NULL as an empty field and the empty string as a quoted one, quoting what needs it", () => {
    expect(csvLine([null, "", "a,b", 'say "hi"', "two\nlines", "plain"])).toBe(
      ',"","a,b","say ""hi""","two\nlines",plain\n',
    );
  });

  it("reads back what it writes, across chunk boundaries, with CRLF, and numbers lines", async () => {
    const text = `id,title\r\n${csvLine(["1", 'say "hi", twice'])}${csvLine(["2", "two\nlines"])}${csvLine(["3", null])}${csvLine(["4", ""])}`;
    const parsed = await records(...text.match(/.{1,3}/gs)!);
    expect(parsed.map((record) => record.fields)).toEqual([
      ["id", "title"],
      ["1", 'say "hi", twice'],
      ["2", "two\nlines"],
      ["3", null],
      ["4", ""],
    ]);
    expect(parsed.map((record) => record.line)).toEqual([1, 2, 3, 5, 6]);
  });

  it("names the line of an unterminated quote or a stray one", async () => {
    await expect(records('a,b\n1,"open\n2,x\n')).rejects.toThrow("t.csv line 2: a quoted field that never ends");
    await expect(records('a,b\n1,x"y\n')).rejects.toThrow("t.csv line 2: a double quote inside an unquoted field");
    await expect(records('a,b\n1,"x"y\n')).rejects.toThrow("t.csv line 2:");
  });
});

describe("export", () => {
  const dir = mkdtempSync(join(tmpdir(), "covara-db-units-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a big table batch by batch, with a progress line on a terminal", async () => {
    const client = createClient({ url: `file:${join(dir, "big.db")}` });
    await client.executeMultiple(
      "create table big (id integer primary key, label text); with recursive n(i) as (select 1 union all select i + 1 from n where i < 12000) insert into big select i, 'row ' || i from n;",
    );
    const writes: string[] = [];
    const sink: Sink = { write: async (text) => void writes.push(text), end: async () => {} };
    let stderr = "";
    const rows = await exportTable(
      { stdout: () => {}, stderr: (text) => (stderr += text), progress: true },
      libsqlSqlClient(client),
      "big",
      "csv",
      sink,
    );
    client.close();
    expect(rows).toBe(12_000);
    // The header, then one write per batch of 1,000: never the whole table at once.
    expect(writes.length).toBe(13);
    expect(Math.max(...writes.map((text) => text.split("\n").length - 1))).toBe(1_000);
    expect(writes.join("").split("\n")[12_000]).toBe("12000,row 12000");
    expect(stderr).toContain("exporting big: 12,000 / 12,000 rows");
  });
});
