/** A local HTTP server that records every request and answers with a scripted response: the stand-in for a provider's API. */
import { createServer, type IncomingMessage, type Server } from "node:http";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface ScriptedAnswer {
  status?: number;
  body?: unknown;
  /** Never answer (to test timeouts). */
  hang?: boolean;
}

export interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  /** Sets how the next requests are answered (by default 200 with `{ id }`). */
  answer(script: (request: RecordedRequest) => ScriptedAnswer): void;
  close(): Promise<void>;
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  let script: (request: RecordedRequest) => ScriptedAnswer = () => ({ body: { id: "msg_1" } });
  const server: Server = createServer(async (req, res) => {
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: flatHeaders(req),
      body: await readAll(req),
    };
    requests.push(recorded);
    const answer = script(recorded);
    if (answer.hang) return;
    res.writeHead(answer.status ?? 200, { "content-type": "application/json" });
    res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    answer(next) {
      script = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
  return headers;
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
