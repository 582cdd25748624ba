/**
 * Multi-tab coordination: a BroadcastChannel carries optimistic changes and settlements to the
 * other tabs of the origin, and a Web Lock makes sure exactly one tab replays the shared queue.
 * Where neither exists (Node, React Native), this tab is alone and simply does both itself.
 */

export interface TabChannel<M> {
  post(message: M): void;
  close(): void;
}

/** A channel to the other tabs; messages from them go to `onMessage`. */
export function openTabChannel<M>(name: string, onMessage: (message: M) => void): TabChannel<M> {
  const Channel = (globalThis as { BroadcastChannel?: typeof BroadcastChannel }).BroadcastChannel;
  if (!Channel) return { post() {}, close() {} };
  const channel = new Channel(name);
  channel.onmessage = (event: MessageEvent) => onMessage(event.data as M);
  return {
    post(message) {
      try {
        channel.postMessage(message);
      } catch {
        // A closed channel (the tab is going away) has nobody left to tell.
      }
    },
    close: () => channel.close(),
  };
}

interface LockManagerLike {
  request(name: string, options: { ifAvailable: boolean }, run: (lock: unknown) => Promise<unknown>): Promise<unknown>;
}

/**
 * Runs `work` while holding the named lock, unless another tab holds it (then returns false).
 * Without Web Locks the work runs directly.
 */
export async function withExclusiveLock(name: string, work: () => Promise<void>): Promise<boolean> {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  if (!locks) {
    await work();
    return true;
  }
  let ran = false;
  await locks.request(name, { ifAvailable: true }, async (lock) => {
    if (!lock) return;
    ran = true;
    await work();
  });
  return ran;
}

/** False only when the platform says it is offline. */
export function platformOnline(): boolean {
  return (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine !== false;
}
