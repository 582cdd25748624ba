/**
 * Tasks on Cloudflare Queues: the producer stores the task record in the KV and sends its id; the
 * Worker's `queue` handler runs each delivery and acknowledges it, or asks Queues to redeliver it
 * after the task's backoff. Attempts, backoff and the DLQ are covara's (see tasks/external-attempt),
 * so a task that keeps failing lands in covara's dead-letter list exactly as on Redis. Give the
 * consumer `max_retries` of at least the largest `maxAttempts`, so Queues never drops a message first.
 */
import type { KV } from "../kernel/kv";
import {
  recordExternalTask,
  runExternalAttempt,
  type AnyTaskDefinition,
  type ExternalTaskOptions,
  type TaskRegistry,
} from "../tasks";

/** The slice of a Queue producer binding (`env.TASKS`) covara uses. */
export interface QueueProducerLike {
  send(body: unknown, options?: { delaySeconds?: number; contentType?: "json" }): Promise<unknown>;
}

/** One delivered message (`Message`). */
export interface QueueMessageLike {
  readonly id: string;
  readonly body: unknown;
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

/** A delivered batch (`MessageBatch`). */
export interface QueueBatchLike {
  readonly queue: string;
  readonly messages: readonly QueueMessageLike[];
}

/** The message body covara sends: the id of a stored task record. */
interface TaskMessage {
  covaraTask: string;
}

/** Options of the Queues producer and consumer. */
export interface QueueTaskOptions extends ExternalTaskOptions {
  /** The KV holding task records and the DLQ (on Workers, `createDurableObjectKV(env.COVARA_KV)`). */
  kv: KV;
}

/** Queues' longest delivery delay (12 hours); a longer backoff is clamped to it. */
const MAX_DELAY_SECONDS = 43_200;

/** Enqueues tasks through a Cloudflare Queue. */
export function createQueueTaskProducer(queue: QueueProducerLike, options: QueueTaskOptions) {
  return {
    /** Validates and stores the task, then sends it; resolves with the task id. */
    async enqueue(
      task: AnyTaskDefinition,
      input: unknown,
      enqueueOptions: { delayMs?: number } = {},
    ): Promise<{ id: string }> {
      const id = await recordExternalTask(options.kv, task, input, options);
      const message: TaskMessage = { covaraTask: id };
      await queue.send(message, { contentType: "json", delaySeconds: toDelaySeconds(enqueueOptions.delayMs ?? 0) });
      return { id };
    },
  };
}

/**
 * The Worker's `queue(batch, env, ctx)` handler for task messages. Messages run one after another
 * (a batch is one consumer invocation's CPU budget); a message that is not a covara task is
 * acknowledged and reported, never retried forever.
 */
export function createQueueTaskConsumer(
  registry: TaskRegistry,
  options: QueueTaskOptions,
): (batch: QueueBatchLike) => Promise<void> {
  return async (batch) => {
    for (const message of batch.messages) {
      const id = taskIdOf(message.body);
      if (id === null) {
        options.onError?.(
          new Error(`covara: queue "${batch.queue}" delivered a message that is not a covara task (${message.id})`),
        );
        message.ack();
        continue;
      }
      try {
        const outcome = await runExternalAttempt(options.kv, registry, id, options);
        if (outcome.action === "ack") message.ack();
        else message.retry({ delaySeconds: toDelaySeconds(outcome.delayMs) });
      } catch (error) {
        // The KV could not be reached: let Queues deliver it again later.
        options.onError?.(error);
        message.retry();
      }
    }
  };
}

function taskIdOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const id: unknown = Reflect.get(body, "covaraTask");
  return typeof id === "string" && id.length > 0 && id.length <= 100 ? id : null;
}

/** Queues delays are whole seconds: a backoff rounds up, so a retry never comes early. */
function toDelaySeconds(ms: number): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(ms / 1000)));
}
