/**
 * The hand-written baseline of the fan-out bench, in its own process: node:http, a Set of SSE
 * responses, and POST /publish that frames the posted row exactly as covara frames an `added`
 * event and writes it to every socket. No database, no changelog, no filtering: the floor.
 * Prints "LISTENING <url>".
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { baselineEvent } from "./fanout-shared";

const subscribers = new Set<ServerResponse>();
let seq = 0;

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url?.startsWith("/subscribe")) {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    res.write(`event: connected\nid: ${seq}\ndata: {"seq":${seq}}\n\n`);
    subscribers.add(res);
    req.on("close", () => subscribers.delete(res));
    return;
  }
  if (req.method === "POST" && req.url === "/publish") {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const row = JSON.parse(body) as Record<string, unknown>;
      // Encoded once, like covara does, and the same bytes written to every socket.
      const event = Buffer.from(baselineEvent(++seq, { id: seq, ...row }));
      for (const subscriber of subscribers) subscriber.write(event);
      res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ id: seq, ...row }));
    });
    return;
  }
  if (req.url === "/__bench/memory") {
    (globalThis as { gc?: () => void }).gc?.();
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ ...process.memoryUsage(), streams: subscribers.size }));
    return;
  }
  res.writeHead(404).end();
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`LISTENING http://127.0.0.1:${port}\n`);
});
