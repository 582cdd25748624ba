/**
 * The Redis KV's pub/sub side: a second connection, opened on the first subscribe (a connection in
 * subscriber mode cannot serve other commands), one Redis subscription per channel however many
 * local handlers share it, and delivery through the shared `deliverMessage`.
 */
import type { Redis } from "ioredis";
import type { KVMessageHandler } from "../kernel/kv";
import { deliverMessage } from "./deliver";
import { messageOf, openConnection, runCommand, shutdown, type ConnectionSettings } from "./redis-connection";

interface Subscription {
  handler: KVMessageHandler;
  active: boolean;
}

interface Channel {
  subscriptions: Set<Subscription>;
  /** Settles once Redis has acknowledged the SUBSCRIBE, so a later publish is guaranteed to reach it. */
  ready: Promise<unknown>;
}

export interface RedisPubSub {
  /** Subscribes `handler` to the unprefixed `channel`; the returned function unsubscribes it. */
  subscribe(channel: string, handler: KVMessageHandler): Promise<() => Promise<void>>;
  /** Silences every handler and closes the connection (if it was ever opened). */
  close(): Promise<void>;
}

/** The subscriber half of a Redis KV whose keys and channels live under `prefix`. */
export function createRedisPubSub(settings: ConnectionSettings, prefix: string, connectionName: string): RedisPubSub {
  let subscriber: Redis | undefined;
  const channels = new Map<string, Channel>();

  function getSubscriber(): Redis {
    if (subscriber !== undefined) return subscriber;
    // ioredis re-sends SUBSCRIBE after a reconnect without handling its promise, so a Redis that
    // flaps leaves an unhandled rejection; this connection re-subscribes itself, with a handler.
    const created = openConnection(settings, "pub/sub", `${connectionName}:sub`, { autoResubscribe: false });
    // Commands wait in ioredis's offline queue until it is ready; failures reach `onError`.
    created.connect().catch(() => {});
    let readyBefore = false;
    created.on("ready", () => {
      if (readyBefore && channels.size > 0) {
        created.subscribe(...channels.keys()).catch((error: unknown) => {
          if (!settings.isClosing())
            settings.onError(
              new Error(`covara kv (redis): re-subscribing after a reconnect failed: ${messageOf(error)}`, {
                cause: error,
              }),
            );
        });
      }
      readyBefore = true;
    });
    created.on("message", (fullChannel: string, message: string) => {
      const channel = channels.get(fullChannel);
      if (channel === undefined) return;
      const userChannel = fullChannel.slice(prefix.length);
      // A snapshot, so a handler that (un)subscribes does not change who receives this message.
      for (const subscription of [...channel.subscriptions]) {
        if (subscription.active && !settings.isClosing()) deliverMessage(subscription.handler, message, userChannel);
      }
    });
    subscriber = created;
    return created;
  }

  async function unsubscribe(fullChannel: string, subscription: Subscription): Promise<void> {
    if (!subscription.active) return;
    subscription.active = false;
    const channel = channels.get(fullChannel);
    if (channel === undefined || !channel.subscriptions.delete(subscription)) return;
    if (channel.subscriptions.size > 0 || settings.isClosing()) return;
    channels.delete(fullChannel);
    // Issued synchronously after the state change, so a racing re-subscribe is queued behind it.
    await runCommand("unsubscribe", fullChannel.slice(prefix.length), getSubscriber().unsubscribe(fullChannel));
  }

  return {
    async subscribe(channel, handler) {
      const fullChannel = prefix + channel;
      const subscription: Subscription = { handler, active: true };
      let entry = channels.get(fullChannel);
      if (entry === undefined) {
        entry = { subscriptions: new Set(), ready: getSubscriber().subscribe(fullChannel) };
        channels.set(fullChannel, entry);
      }
      entry.subscriptions.add(subscription);
      try {
        await runCommand("subscribe", channel, entry.ready);
      } catch (error) {
        await unsubscribe(fullChannel, subscription).catch(() => {});
        throw error;
      }
      return () => unsubscribe(fullChannel, subscription);
    },

    async close() {
      for (const channel of channels.values()) {
        for (const subscription of channel.subscriptions) subscription.active = false;
      }
      channels.clear();
      if (subscriber !== undefined) await shutdown(subscriber);
    },
  };
}
