/**
 * A WebSocket-to-TCP proxy on loopback, the piece Neon runs in front of Postgres: each WebSocket
 * `/v2?address=host:port` becomes one TCP connection to that address, bytes passed both ways
 * unchanged. It lets `@neondatabase/serverless`'s Pool talk to the local PostgreSQL.
 */
import { createConnection, type Socket } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export interface WsProxy {
  /** `host:port` of the proxy, for `neonConfig.wsProxy`. */
  address: string;
  close(): Promise<void>;
}

function bridge(ws: WebSocket, tcp: Socket): void {
  tcp.on("data", (chunk) => ws.send(chunk));
  tcp.on("close", () => ws.close());
  tcp.on("error", () => ws.terminate());
  ws.on("message", (data: Buffer) => tcp.write(data));
  ws.on("close", () => tcp.destroy());
  ws.on("error", () => tcp.destroy());
}

/** Starts the proxy on an ephemeral loopback port. */
export async function startWsProxy(): Promise<WsProxy> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const sockets = new Set<Socket>();
  server.on("connection", (ws, request) => {
    const target = new URL(request.url ?? "/", "http://proxy").searchParams.get("address") ?? "";
    const [host, port] = target.split(":");
    const tcp = createConnection({ host: host === "localhost" ? "127.0.0.1" : host, port: Number(port) });
    sockets.add(tcp);
    tcp.on("close", () => sockets.delete(tcp));
    bridge(ws, tcp);
  });
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
