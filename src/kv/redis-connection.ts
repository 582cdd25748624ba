/**
 * Opening, connecting and closing the Redis KV's ioredis connections, and the wording of their
 * errors: one report per outage, the password never shown.
 */
import { Redis } from "ioredis";

// ioredis's default of 20 retries under exponential backoff holds a command for over a minute when
// Redis goes down; 5 makes it fail about two seconds into an outage, which a request can answer.
const MAX_RETRIES_PER_REQUEST = 5;

export interface ConnectionSettings {
  url: string;
  connectTimeoutMs: number;
  /** The redacted URL, for messages. */
  where: string;
  onError: (error: Error) => void;
  /** True once the KV is closing, when a dropped connection is expected rather than reported. */
  isClosing: () => boolean;
}

/** A connection (not yet connecting) that reports its failures through `onError`, never by crashing. */
export function openConnection(
  settings: ConnectionSettings,
  role: string,
  connectionName: string,
  options: { autoResubscribe?: boolean } = {},
): Redis {
  const connection = new Redis(settings.url, {
    ...options,
    lazyConnect: true,
    connectTimeout: settings.connectTimeoutMs,
    connectionName,
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
  });
  // ioredis emits 'error' and 'close' on every failed retry; one report per outage is enough. A
  // failure before the first 'ready' is the business of whoever awaits the connection.
  let everReady = false;
  let down = false;
  const report = (detail: string, cause?: unknown) => {
    if (!everReady || down || settings.isClosing()) return;
    down = true;
    const message = `covara kv (redis): the ${role} connection to ${settings.where} ${detail}; reconnecting`;
    settings.onError(new Error(message, { cause }));
  };
  connection.on("error", (error: Error) => report(`failed (${error.message})`, error));
  connection.on("close", () => report("dropped"));
  connection.on("ready", () => {
    everReady = true;
    down = false;
  });
  return connection;
}

/** Connects, or stops the client and rejects with the reason (the socket error, not ioredis's summary). */
export async function connectOrFail(client: Redis, where: string, timeoutMs: number): Promise<void> {
  let lastError: Error | undefined;
  const remember = (error: Error) => (lastError = error);
  client.on("error", remember);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect(), timeout]);
  } catch (error) {
    client.disconnect();
    const cause = lastError ?? error;
    throw new Error(`covara kv (redis): cannot connect to ${where}: ${messageOf(cause)}`, { cause });
  } finally {
    clearTimeout(timer);
    client.off("error", remember);
  }
}

/** QUIT when connected, so pending replies arrive; otherwise drop the socket and stop retrying. */
export async function shutdown(connection: Redis): Promise<void> {
  if (connection.status !== "ready") return connection.disconnect();
  await connection.quit().catch(() => connection.disconnect());
}

/** The message of anything ioredis rejects with, in the adapter's own words where ioredis's mislead. */
/** Awaits a command, turning an ioredis error into a plain Error that names the operation and its key or channel. */
export async function runCommand<T>(operation: string, target: string, command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    throw new Error(`covara kv (redis): ${operation} "${target}" failed: ${messageOf(error)}`, { cause: error });
  }
}

export function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // ioredis's wording points at an option this adapter does not expose; say what happened instead.
  if (error.name === "MaxRetriesPerRequestError")
    return `Redis unreachable after ${MAX_RETRIES_PER_REQUEST} reconnect attempts`;
  return error.message;
}

/** The URL without its password, for error messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "the configured Redis URL";
  }
}
