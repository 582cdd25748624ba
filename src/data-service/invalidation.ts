/**
 * How the read cache learns of writes: every committed mutation of a served table on the app's
 * mutation feed (the service's own writes, the generated endpoints, tracked dbs,
 * recordExternalMutation) is applied locally and relayed on the KV's pub/sub channel, and the
 * relay awaits the publish, so a write has reached Redis before it resolves. Other instances apply
 * what they receive on that channel.
 */
import { onMutations } from "../kernel/mutations";
import type { ContextSource } from "../kernel/context";
import type { KV } from "../kernel/kv";
import type { Change, ReadCache } from "./read-cache";
import type { RowId } from "./types";

interface Relayed {
  from: string;
  changes: Change[];
}

function isRelayed(value: unknown): value is Relayed {
  if (typeof value !== "object" || value === null) return false;
  const { from, changes } = value as Partial<Relayed>;
  return typeof from === "string" && Array.isArray(changes);
}

/** The shared version counter a cached `get` (with `id`) or `list` of `table` is checked against. */
export function versionKey(channel: string, table: string, id?: RowId): string {
  return id === undefined ? `${channel}:v:${table}` : `${channel}:v:${table}:${typeof id}:${String(id)}`;
}

/**
 * Bumps the shared versions the changes touch: the table's (lists) for every change, the row's
 * (gets) for updates and deletes. An instance holding an entry of an older version treats it as
 * a miss, so no instance serves a value older than a write that has resolved.
 */
async function bumpVersions(kv: KV, channel: string, changes: readonly Change[]): Promise<void> {
  const keys = new Set<string>();
  for (const { table, op, id } of changes) {
    keys.add(versionKey(channel, table));
    if (op !== "create") keys.add(versionKey(channel, table, id));
  }
  await Promise.all([...keys].map((key) => kv.incr(key)));
}

/** Starts listening; resolves with the function that stops. */
export async function listenForChanges(
  cache: ReadCache,
  tables: ReadonlySet<string>,
  options: { kv: KV | undefined; channel: string; app: ContextSource | undefined },
): Promise<() => Promise<void>> {
  const { kv, channel } = options;
  const instance = crypto.randomUUID();

  const unsubscribe = kv
    ? await kv.subscribe(channel, (message) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(message);
        } catch {
          return; // not ours: another writer on the channel
        }
        if (isRelayed(parsed) && parsed.from !== instance)
          cache.apply(parsed.changes.filter((change) => tables.has(change.table)));
      })
    : undefined;

  const stopFeed = onMutations(async (mutations) => {
    const changes: Change[] = [];
    for (const { resource, op, id } of mutations) if (tables.has(resource)) changes.push({ table: resource, op, id });
    if (changes.length === 0) return;
    cache.apply(changes);
    if (!kv) return;
    await bumpVersions(kv, channel, changes);
    await kv.publish(channel, JSON.stringify({ from: instance, changes } satisfies Relayed));
  }, options.app);

  return async () => {
    stopFeed();
    await unsubscribe?.();
  };
}
