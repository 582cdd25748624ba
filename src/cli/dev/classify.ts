/**
 * Which statements of a schema push are safe to run without asking. drizzle-kit computes the diff;
 * this only sorts its statements: creating tables, indexes, types and sequences, and adding a
 * column that is nullable or has a default, keep every row as it is. Anything else (drops,
 * renames, type changes, NOT NULL without a default, table rebuilds, deletes) may lose data.
 */

const ADDITIVE = [
  /^create table\b/i,
  /^create (unique )?index\b/i,
  /^create (type|sequence|schema)\b/i,
  /^alter table \S+ add constraint \S+ foreign key\b/i,
];

/** Whether one statement only adds. */
export function isAdditive(statement: string): boolean {
  const sql = statement.trim().replace(/\s+/g, " ");
  if (ADDITIVE.some((pattern) => pattern.test(sql))) return true;
  const addColumn = /^alter table \S+ add (column )?(.*)$/i.exec(sql);
  if (!addColumn) return false;
  const definition = addColumn[2] ?? "";
  return !/\bnot null\b/i.test(definition) || /\bdefault\b/i.test(definition);
}

export interface ClassifiedPush {
  additive: string[];
  destructive: string[];
  /** drizzle-kit's own explanations of data loss. */
  warnings: string[];
}

/**
 * Splits a push into what may run at once and what needs confirmation. All or nothing: a table
 * rebuild mixes an additive-looking CREATE with the DROP it prepares, so one unsafe statement
 * holds back the whole push.
 */
export function classifyPush(statements: string[], warnings: string[], hasDataLoss: boolean): ClassifiedPush {
  const destructive = statements.filter((statement) => !isAdditive(statement));
  // drizzle-kit may add a `delete from` for a column it cannot add to existing rows: all or nothing.
  if (hasDataLoss || destructive.length > 0) return { additive: [], destructive: statements, warnings };
  return { additive: statements, destructive: [], warnings };
}

/** Why a statement needs confirmation, in words. */
export function reasonFor(statement: string): string {
  const sql = statement.trim().replace(/\s+/g, " ");
  if (/^alter table \S+ add (column )?/i.test(sql))
    return "adds a NOT NULL column without a default: existing rows would have no value for it";
  if (/^drop table\b/i.test(sql)) return "drops a table and its rows";
  if (/^alter table \S+ drop (column )?/i.test(sql)) return "drops a column and its values";
  if (/^alter table \S+ rename\b/i.test(sql)) return "renames a table or column";
  if (/^alter table \S+ alter (column )?/i.test(sql)) return "changes a column's type, nullability or default";
  if (/^delete from\b/i.test(sql) || /^truncate\b/i.test(sql)) return "deletes rows";
  if (/^insert into\b/i.test(sql) || /^create table\b/i.test(sql) || /^pragma\b/i.test(sql))
    return "part of rebuilding a table";
  if (/^drop\b/i.test(sql)) return "drops a database object";
  return "changes existing data or structure";
}
