/**
 * The port `covara dev` listens on: a small reverse proxy to the current app process. Switching
 * the target is how a restart stays invisible: the old process serves until the new one listens.
 * Requests that arrive before any app is up wait for it.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface DevProxy {
  server: Server;
  port: number;
  /** Sends new requests to the app on `port` (loopback). */
  setTarget(port: number): void;
  close(): Promise<void>;
}

export async function startProxy(port: number, hostname: string): Promise<DevProxy> {
  let target: number | undefined;
  let waiting: Array<() => void> = [];
  const forward = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    if (target === undefined) {
      waiting.push(() => forward(incoming, outgoing));
      return;
    }
    const upstream = request(
      { host: "127.0.0.1", port: target, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.statusMessage, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on("error", () => {
      if (outgoing.headersSent) {
        outgoing.destroy();
        return;
      }
      outgoing.writeHead(502, { "content-type": "application/problem+json" });
      outgoing.end(
        JSON.stringify({
          type: "about:blank",
          title: "The app is restarting",
          status: 502,
          code: "DEV_APP_UNAVAILABLE",
        }),
      );
    });
    // A client that goes away (an SSE tab closed) ends the upstream request too.
    outgoing.on("close", () => upstream.destroy());
    incoming.pipe(upstream);
  };
  const server = createServer(forward);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === "object" && address ? address.port : port,
    setTarget(next) {
      target = next;
      const queued = waiting;
      waiting = [];
      for (const resume of queued) resume();
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
