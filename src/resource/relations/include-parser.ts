/**
 * Parses `include=author,comments(limit:5,orderBy:-createdAt).author` into a tree of include
 * requests. Options sit in parentheses after a relation name; dots nest includes of related rows.
 * Commas inside parentheses or quotes do not split, so an option's RSQL filter may hold `=in=(a,b)`.
 * Every mistake is a 400 naming `include`; depth, size and count are bounded before any query.
 */
import { problems } from "../../kernel/errors";
import type { IncludeLimits, IncludeRequest } from "./types";

export const DEFAULT_INCLUDE_LIMITS: IncludeLimits = { maxDepth: 3, maxRelations: 20, maxLength: 2000 };
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const OPTION_KEYS = new Set(["limit", "orderBy", "select", "filter"]);

function invalid(detail: string): Error {
  return problems.invalidParameter("include", detail);
}

/** Splits on `separator` where it is outside parentheses and quotes. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")") {
      if (--depth < 0) throw invalid("Unbalanced ')' in 'include'");
    } else if (ch === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0 || quote) throw invalid("Unclosed '(' or quote in 'include'");
  parts.push(text.slice(start));
  return parts;
}

function parseOptions(name: string, text: string): Omit<IncludeRequest, "name" | "children"> {
  const options: Omit<IncludeRequest, "name" | "children"> = {};
  for (const part of splitTopLevel(text, ",")) {
    const colon = part.indexOf(":");
    const key = (colon < 0 ? part : part.slice(0, colon)).trim();
    const value = colon < 0 ? "" : part.slice(colon + 1).trim();
    if (!OPTION_KEYS.has(key))
      throw invalid(`Unknown option '${key.slice(0, 32)}' for '${name}' (use limit, orderBy, select or filter)`);
    if (value === "") throw invalid(`Option '${key}' of '${name}' needs a value`);
    if (key in options) throw invalid(`Option '${key}' of '${name}' appears twice`);
    if (key === "limit") {
      if (!/^\d{1,6}$/.test(value) || Number(value) < 1)
        throw invalid(`'limit' of '${name}' must be a positive integer`);
      options.limit = Number(value);
    } else if (key === "select") {
      options.select = value.split("|").map((field) => field.trim());
    } else if (key === "orderBy") {
      options.orderBy = value.replaceAll("|", ",");
    } else {
      options.filter = value;
    }
  }
  return options;
}

/** `comments(limit:5)` → name and options. */
function parseSegment(segment: string): Omit<IncludeRequest, "children"> {
  const open = segment.indexOf("(");
  const name = (open < 0 ? segment : segment.slice(0, open)).trim();
  if (!NAME.test(name)) throw invalid(`'${name.slice(0, 64)}' is not a relation name`);
  if (open < 0) return { name };
  if (!segment.trimEnd().endsWith(")")) throw invalid(`Text after the options of '${name}'`);
  return { name, ...parseOptions(name, segment.slice(open + 1, segment.trimEnd().length - 1)) };
}

function sameOptions(a: Omit<IncludeRequest, "children">, b: Omit<IncludeRequest, "children">): boolean {
  return JSON.stringify({ ...a, name: "" }) === JSON.stringify({ ...b, name: "" });
}

/** Adds one dotted path to the tree, merging with what earlier paths created. */
function addPath(tree: IncludeRequest[], segments: Omit<IncludeRequest, "children">[]): void {
  let level = tree;
  for (const segment of segments) {
    let node = level.find((candidate) => candidate.name === segment.name);
    const hasOptions = Object.keys(segment).length > 1;
    if (!node) {
      node = { ...segment, children: [] };
      level.push(node);
    } else if (hasOptions) {
      const { children, ...existing } = node;
      if (Object.keys(existing).length > 1 && !sameOptions(existing, segment)) {
        throw invalid(`'${segment.name}' is included twice with different options`);
      }
      Object.assign(node, segment, { children });
    }
    level = node.children;
  }
}

function countNodes(tree: IncludeRequest[]): number {
  return tree.reduce((sum, node) => sum + 1 + countNodes(node.children), 0);
}

/** Parsed trees by limits and text: a page's include repeats on every request. Never mutated. */
const parsedTrees = new WeakMap<IncludeLimits, Map<string, readonly IncludeRequest[]>>();
const PARSED_CAPACITY = 200;

/** Parses the `include` parameter; an absent or blank parameter is no includes. */
export function parseInclude(
  text: string | undefined,
  limits: IncludeLimits = DEFAULT_INCLUDE_LIMITS,
): readonly IncludeRequest[] {
  if (text === undefined || text.trim() === "") return [];
  let trees = parsedTrees.get(limits);
  if (!trees) {
    trees = new Map();
    parsedTrees.set(limits, trees);
  }
  let tree = trees.get(text);
  if (!tree) {
    tree = parseTree(text, limits);
    if (trees.size >= PARSED_CAPACITY) trees.delete(trees.keys().next().value!);
    trees.set(text, tree);
  }
  return tree;
}

function parseTree(text: string, limits: IncludeLimits): IncludeRequest[] {
  if (text.length > limits.maxLength) throw invalid(`'include' is longer than ${limits.maxLength} characters`);
  const tree: IncludeRequest[] = [];
  for (const item of splitTopLevel(text, ",")) {
    if (item.trim() === "") throw invalid("'include' has an empty entry");
    const segments = splitTopLevel(item, ".").map(parseSegment);
    if (segments.length > limits.maxDepth) {
      throw invalid(`'include' nests ${segments.length} levels deep; at most ${limits.maxDepth} are allowed`);
    }
    addPath(tree, segments);
  }
  if (countNodes(tree) > limits.maxRelations)
    throw invalid(`'include' names more than ${limits.maxRelations} relations`);
  return tree;
}
