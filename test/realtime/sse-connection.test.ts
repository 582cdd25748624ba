/**
 * An SSE connection reports what it survives to the logger it was given (the app's), never to the
 * process's default logger: two apps in one process keep their failures apart.
 */
import { describe, expect, it } from "vitest";
import { defaultContext } from "../../src/kernel/context";
import type { Logger } from "../../src/kernel/logger";
import { SseConnection } from "../../src/realtime/sse-connection";

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, error: (message) => void errors.push(message), warn: () => {} };
}

describe("SseConnection", () => {
  it("reports a failing end handler to its app's logger, not the default one, and still runs the others", () => {
    const appLogger = recordingLogger();
    const fallback = defaultContext().logger;
    const defaultErrors: unknown[] = [];
    defaultContext().logger = { error: (_message, error) => void defaultErrors.push(error), warn: () => {} };
    try {
      const connection = new SseConnection(1024, appLogger);
      let later = false;
      connection.onEnd(() => {
        throw new Error("end handler broke");
      });
      connection.onEnd(() => {
        later = true;
      });
      connection.end();
      expect(appLogger.errors).toEqual(["covara realtime: a stream end handler failed"]);
      expect(defaultErrors).toEqual([]);
      expect(later).toBe(true);
    } finally {
      defaultContext().logger = fallback;
    }
  });
});
