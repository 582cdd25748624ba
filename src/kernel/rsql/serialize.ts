/**
 * AST back to canonical RSQL text: `;` and `,`, double-quoted strings, bare ISO datetimes, and
 * parentheses only where precedence or the tree's shape needs them, so re-parsing gives the same tree.
 */
import type { RsqlLiteral, RsqlNode } from "./ast";
import { formatLiteral } from "./literals";

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function formatChild(child: RsqlNode, parent: "and" | "or"): string {
  const text = rsqlToString(child);
  // `and` inside `or` needs no parentheses (it binds tighter); anything else keeps its grouping.
  if (child.type === "comparison" || child.children.length < 2 || (parent === "or" && child.type === "and")) {
    return text;
  }
  return `(${text})`;
}

/** Serialises an AST to canonical RSQL; `parseRsql(rsqlToString(x))` equals `x` up to positions. */
export function rsqlToString(node: RsqlNode): string {
  if (node.type === "comparison") {
    if (!FIELD_NAME.test(node.field)) throw new TypeError(`Invalid RSQL field name '${node.field}'`);
    const value = Array.isArray(node.value)
      ? `(${node.value.map((v: RsqlLiteral) => formatLiteral(v)).join(",")})`
      : formatLiteral(node.value);
    return `${node.field}${node.operator}${value}`;
  }
  if (node.children.length === 0) throw new TypeError(`An RSQL '${node.type}' node needs at least one child`);
  return node.children.map((child) => formatChild(child, node.type)).join(node.type === "and" ? ";" : ",");
}
