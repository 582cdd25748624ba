/**
 * The subscribers of the fan-out bench, in their own process (a server and 10,000 of its clients
 * would not fit one process's open-file limit). Raw TCP sockets that send one GET each; driven
 * over IPC by bench/fanout.ts:
 *   { type: "open", port, path, count, headers? }  → { type: "opened", count }
 *                                        (headers: extra header lines, the i-th client gets headers[i % length])
 *   { type: "arm" }                      → { type: "armed" }   (the next byte on each socket is timed)
 *   { type: "collect" }                  → { type: "arrivals", times }   (once every socket got it)
 *   { type: "count" }                    → { type: "counted", events }   (`event: added` seen in total)
 *   { type: "close" }                    → { type: "closed" }
 */
import { connect, type Socket } from "node:net";
import { nowMs } from "./fanout-shared";

interface Client {
  socket: Socket;
  opened: boolean;
  arrival: number | undefined;
  events: number;
  /** The end of the previous chunk, so a marker split across chunks is still counted. */
  tail: string;
}

const MARKER = "event: added";
let clients: Client[] = [];
let armed = false;
let waitingForArrivals: (() => void) | undefined;
let arrived = 0;

function send(message: unknown): void {
  process.send!(message);
}

function countMarkers(client: Client, chunk: string): void {
  const text = client.tail + chunk;
  let at = text.indexOf(MARKER);
  while (at !== -1) {
    client.events++;
    at = text.indexOf(MARKER, at + MARKER.length);
  }
  client.tail = text.slice(-(MARKER.length - 1));
}

async function open(port: number, path: string, count: number, headers: string[]): Promise<number> {
  const requestFor = (i: number) => {
    const extra = headers.length > 0 ? `${headers[i % headers.length]}\r\n` : "";
    return `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n${extra}\r\n`;
  };
  const batch = 250;
  for (let start = 0; start < count; start += batch) {
    const pending: Promise<void>[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      pending.push(
        new Promise<void>((resolve, reject) => {
          const client: Client = {
            socket: connect(port, "127.0.0.1"),
            opened: false,
            arrival: undefined,
            events: 0,
            tail: "",
          };
          client.socket.setEncoding("latin1");
          const request = requestFor(i);
          client.socket.once("connect", () => client.socket.write(request));
          client.socket.on("error", reject);
          client.socket.on("data", (chunk: string) => {
            if (!client.opened) {
              // The status line and the opening event: the stream is live from here on.
              if (chunk.includes("event: connected")) {
                client.opened = true;
                resolve();
              }
              return;
            }
            countMarkers(client, chunk);
            if (armed && client.arrival === undefined) {
              client.arrival = nowMs();
              arrived++;
              if (arrived === clients.length) waitingForArrivals?.();
            }
          });
          clients.push(client);
        }),
      );
    }
    await Promise.all(pending);
  }
  return clients.length;
}

process.on("message", (message: { type: string; port?: number; path?: string; count?: number; headers?: string[] }) => {
  void (async () => {
    switch (message.type) {
      case "open":
        send({
          type: "opened",
          count: await open(message.port!, message.path!, message.count!, message.headers ?? []),
        });
        break;
      case "arm":
        for (const client of clients) client.arrival = undefined;
        arrived = 0;
        armed = true;
        send({ type: "armed" });
        break;
      case "collect":
        if (arrived < clients.length) await new Promise<void>((resolve) => (waitingForArrivals = resolve));
        waitingForArrivals = undefined;
        armed = false;
        send({ type: "arrivals", times: clients.map((client) => client.arrival!) });
        break;
      case "count":
        send({ type: "counted", events: clients.reduce((sum, client) => sum + client.events, 0) });
        break;
      case "close":
        for (const client of clients) client.socket.destroy();
        clients = [];
        send({ type: "closed" });
        break;
    }
  })();
});
send({ type: "ready" });
