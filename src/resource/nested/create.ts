/**
 * Runs a planned nested create in one transaction — parents, the row, then children, each child
 * getting its parent's new key — and answers with the created tree. Each row's create scope is
 * checked inside the transaction against the row as stored (its foreign keys and defaults
 * applied), and a refusal rolls back everything.
 */
import type { Context } from "hono";
import { runAtomically, type PlannedWrite, type WriteLink } from "../atomic";
import { presentRow } from "../present";
import { publishRows } from "../publish";
import { sendJson } from "../rows";
import { hookContext } from "../runtime";
import type { CovaraEnv } from "../../kernel/http";
import { createdHeaders, storedRowCheck, type Row } from "../write-steps";
import type { AnyRuntime } from "../relations/registry";
import type { NestedNode } from "./plan";

/** Appends the node's writes in dependency order; returns the index of the node's own insert. */
function flatten(node: NestedNode, writes: PlannedWrite[], order: NestedNode[], incoming?: WriteLink): number {
  const links: WriteLink[] = node.parents.map(({ relation, node: parent }) => ({
    key: relation.sourceKey,
    index: flatten(parent, writes, order),
    from: relation.targetKey,
  }));
  if (incoming) links.push(incoming);
  const index = writes.length;
  const { runtime, data, access } = node;
  writes.push({
    kind: "insert",
    table: runtime.table,
    values: data,
    links,
    check: storedRowCheck(access, runtime.info, (error) => tag(error, node.path)),
  });
  order.push(node);
  for (const { relation, nodes } of node.children) {
    for (const child of nodes)
      flatten(child, writes, order, { key: relation.targetKey, index, from: relation.sourceKey });
  }
  return index;
}

function tag<E extends { extensions: Record<string, unknown> }>(error: E, path: string): E {
  if (path) error.extensions.path = path;
  return error;
}

/** The created tree as the response shows it: each row presented by its own resource. */
async function present(node: NestedNode, rows: Map<NestedNode, Row>, c: Context<CovaraEnv>): Promise<Row> {
  const { runtime } = node;
  const out = { ...(await presentRow(runtime, rows.get(node)!, hookContext(runtime, c, "create", node.access.user))) };
  for (const { relation, node: parent } of node.parents) out[relation.name] = await present(parent, rows, c);
  for (const { relation, nodes } of node.children) {
    const created = await Promise.all(nodes.map((child) => present(child, rows, c)));
    out[relation.name] = relation.type === "hasOne" ? created[0] : created;
  }
  return out;
}

/** Creates the planned tree atomically and answers 201 with it. */
export async function createNested(runtime: AnyRuntime, c: Context<CovaraEnv>, root: NestedNode): Promise<Response> {
  const writes: PlannedWrite[] = [];
  const order: NestedNode[] = [];
  flatten(root, writes, order);
  const written = await runAtomically(runtime.info, writes);
  const rows = new Map<NestedNode, Row>();
  for (const [i, node] of order.entries()) {
    let row = written[i]!;
    await publishRows(node.runtime, "create", [row]);
    const after = await node.runtime.config.hooks?.onAfterCreate?.(
      hookContext(node.runtime, c, "create", node.access.user),
      row,
    );
    if (after) row = after as Row;
    rows.set(node, row);
  }
  const top = rows.get(root)!;
  return sendJson(c, await present(root, rows, c), 201, createdHeaders(c, runtime.info, top));
}
