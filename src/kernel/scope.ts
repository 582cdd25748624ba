/**
 * Scopes: the one place that decides which rows a user may see or touch. A scope is allow, deny,
 * or an RSQL filter; reads, writes, subscriptions, search and relation includes all ask it.
 */
import type { RsqlNode } from "./rsql/ast";
import { isRsqlFilter, parseRsql, type OperatorRegistry, type RsqlFilter } from "./rsql";

export type Scope =
  | { readonly kind: "allow" }
  | { readonly kind: "deny" }
  | { readonly kind: "filter"; readonly node: RsqlNode };

const ALLOW: Scope = Object.freeze({ kind: "allow" });
const DENY: Scope = Object.freeze({ kind: "deny" });

/** Every row. */
export function allowScope(): Scope {
  return ALLOW;
}

/** No row. */
export function denyScope(): Scope {
  return DENY;
}

/** Rows matching an RSQL AST. */
export function filterScope(node: RsqlNode): Scope {
  return { kind: "filter", node };
}

export function isScope(value: unknown): value is Scope {
  if (typeof value !== "object" || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === "allow" || kind === "deny" || (kind === "filter" && "node" in value);
}

function isRsqlNode(value: unknown): value is RsqlNode {
  if (typeof value !== "object" || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === "comparison" || type === "and" || type === "or";
}

/** Rows both scopes admit. */
export function andScopes(...scopes: Scope[]): Scope {
  const nodes: RsqlNode[] = [];
  for (const scope of scopes) {
    if (scope.kind === "deny") return DENY;
    if (scope.kind === "filter") nodes.push(scope.node);
  }
  if (nodes.length === 0) return ALLOW;
  return filterScope(nodes.length === 1 ? nodes[0]! : { type: "and", children: nodes });
}

/** Rows either scope admits. */
export function orScopes(...scopes: Scope[]): Scope {
  const nodes: RsqlNode[] = [];
  for (const scope of scopes) {
    if (scope.kind === "allow") return ALLOW;
    if (scope.kind === "filter") nodes.push(scope.node);
  }
  if (nodes.length === 0) return DENY;
  return filterScope(nodes.length === 1 ? nodes[0]! : { type: "or", children: nodes });
}

/** What a scope resolver may return: true/false, an RSQL string or `rsql` filter, an AST, a Scope. */
export type ScopeInput = boolean | string | RsqlFilter | RsqlNode | Scope | null | undefined;

/**
 * Normalises a resolver's answer. `true` allows, `false`/`null`/`undefined` deny (fail closed),
 * strings and `rsql` filters are parsed. A malformed scope is the server author's bug, so it
 * throws the parse error rather than silently allowing.
 */
export function toScope(input: ScopeInput, operators?: OperatorRegistry): Scope {
  if (input === true) return ALLOW;
  if (input === false || input === null || input === undefined) return DENY;
  if (typeof input === "string") return filterScope(parseRsql(input, { operators }));
  if (isRsqlFilter(input)) return filterScope(parseRsql(input.text, { operators }));
  if (isScope(input)) return input;
  if (isRsqlNode(input)) return filterScope(input);
  return DENY;
}
