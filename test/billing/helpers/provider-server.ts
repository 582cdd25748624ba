/**
 * A local HTTP server standing in for a billing provider: it records every request (method, path,
 * headers, raw body) and answers from a route table, so a test can drive the provider's own SDK and
 * our adapter against the same server and compare what each sent.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export type Responder = (request: RecordedRequest) => { status?: number; body?: unknown; delayMs?: number } | undefined;

export interface ProviderServer {
  url: string;
  requests: RecordedRequest[];
  /** Replaces how the server answers (default: 200 with `{}`). */
  respond(responder: Responder): void;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/** Starts a recording server on a free loopback port. */
export async function startProviderServer(): Promise<ProviderServer> {
  const requests: RecordedRequest[] = [];
  let responder: Responder = () => undefined;
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer(async (req, res) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers,
      body: await readBody(req),
    };
    requests.push(recorded);
    const answer = responder(recorded) ?? {};
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (res.destroyed) return;
    res.writeHead(answer.status ?? 200, { "content-type": "application/json", "request-id": "req_local" });
    res.end(JSON.stringify(answer.body ?? {}));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (next) => {
      responder = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
