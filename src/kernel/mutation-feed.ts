/**
 * One mutation feed: the listeners of one app's committed writes. Each app context owns one (see
 * context.ts), so two apps in one process never hear each other's writes; `mutations.ts` keeps
 * the old process-wide functions over the default context's feed.
 */
import type { Logger } from "./logger";

export type MutationOp = "create" | "update" | "delete";

export interface Mutation {
  /** Resource name (the table name unless the resource was given another). */
  resource: string;
  op: MutationOp;
  /** Primary key of the written row. */
  id: string | number;
  /** The stored row after the write; for a delete, the row as it was. Absent for external writes. */
  row?: Record<string, unknown>;
  /** The database handle the write went through; lets listeners tell apart resources of one name on two databases. */
  db?: unknown;
}

export type MutationListener = (mutations: readonly Mutation[]) => void | Promise<void>;

/** Where committed writes are announced, and who hears them. */
export interface MutationFeed {
  /** Registers a listener for every published mutation; returns the function that removes it. */
  on(listener: MutationListener): () => void;
  /**
   * Publishes committed mutations to every listener, in order, waiting for each. Listeners run
   * after the write committed, so a failing one is logged, never turned into a failed request.
   */
  publish(mutations: readonly Mutation[]): Promise<void>;
}

/** Each feed's delivery to its own listeners only (relaying between feeds uses it, so it never loops). */
const deliverers = new WeakMap<MutationFeed, (mutations: readonly Mutation[]) => Promise<void>>();

/**
 * A feed with no listeners; `logger()` is read at each failure, so a later logger change applies.
 *
 * Feeds form one level of a tree: the default context's feed is the root, each app's feed a child
 * created with `parent`. A batch published on a child reaches its own listeners, then the root's
 * (which observe the whole process), never a sibling's. A batch published on the root (by code
 * that names no app) reaches the root's listeners, then every live child's, as it did when the
 * process had one feed; listeners that care tell their writes apart by `db` and `resource`.
 */
export function createMutationFeed(logger: () => Logger, parent?: MutationFeed): MutationFeed {
  const listeners = new Set<MutationListener>();
  const children = new Set<WeakRef<MutationFeed>>();

  async function deliver(mutations: readonly Mutation[]): Promise<void> {
    for (const listener of [...listeners]) {
      try {
        await listener(mutations);
      } catch (error) {
        logger().error("covara: a mutation listener failed", error, { source: "mutation-listener" });
      }
    }
  }

  const feed: MutationFeed = {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async publish(mutations) {
      if (mutations.length === 0) return;
      await deliver(mutations);
      if (parent) return deliverers.get(parent)?.(mutations);
      for (const ref of [...children]) {
        const child = ref.deref();
        if (child) await deliverers.get(child)?.(mutations);
        else children.delete(ref);
      }
    },
  };
  deliverers.set(feed, deliver);
  childrenOf.set(feed, children);
  if (parent) adopt(parent, feed);
  return feed;
}

const childrenOf = new WeakMap<MutationFeed, Set<WeakRef<MutationFeed>>>();
/** Drops a collected child's entry from its parent's set (an app that is gone costs nothing). */
const forget = new FinalizationRegistry<{ children: Set<WeakRef<MutationFeed>>; ref: WeakRef<MutationFeed> }>(
  ({ children, ref }) => children.delete(ref),
);

function adopt(parent: MutationFeed, child: MutationFeed): void {
  const children = childrenOf.get(parent);
  if (!children) return;
  const ref = new WeakRef(child);
  children.add(ref);
  forget.register(child, { children, ref });
}
