/**
 * A response sent before the request body was read must leave a keep-alive connection usable:
 * the server discards the unread rest of the body, and the next request on the same socket is
 * answered. Driven over a raw TCP socket so the connection reuse is certain.
 */
import { connect, type Socket } from "node:net";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { createCovara } from "../../src";
import { startServer, type CovaraServer } from "../../src/node";

const running: CovaraServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

const LIMIT = 1024 * 1024;
const BIG = Buffer.alloc(2 * 1024 * 1024, "x");

/** Answers 413, 401 and 404 without touching the body; `/echo` reads it; `/ping` is a GET. */
function app(): Hono {
  return new Hono()
    .post("/upload", (c) =>
      Number(c.req.header("content-length")) > LIMIT
        ? c.json({ code: "payload-too-large" }, 413)
        : c.json({ ok: true }),
    )
    .post("/private", (c) =>
      c.req.header("authorization") ? c.json({ ok: true }) : c.json({ code: "unauthenticated" }, 401),
    )
    .post("/echo", async (c) => c.json({ length: (await c.req.arrayBuffer()).byteLength }))
    .get("/ping", (c) => c.json({ pong: true }));
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A keep-alive HTTP/1.1 client on one socket: each `send` writes a request and reads one response. */
function rawClient(port: number): Promise<{ socket: Socket; send(head: string, body?: Buffer): Promise<RawResponse> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let buffered = Buffer.alloc(0);
    let waiting: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | undefined;
    const tryParse = (): void => {
      if (!waiting) return;
      const end = buffered.indexOf("\r\n\r\n");
      if (end === -1) return;
      const lines = buffered.subarray(0, end).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers["content-length"] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const body = buffered.subarray(end + 4, end + 4 + length).toString("utf8");
      buffered = buffered.subarray(end + 4 + length);
      const done = waiting;
      waiting = undefined;
      done.resolve({ status: Number(lines[0]!.split(" ")[1]), headers, body });
    };
    const fail = (error: Error): void => {
      waiting?.reject(error);
      waiting = undefined;
    };
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      tryParse();
    });
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("connection closed by the server")));
    socket.once("connect", () =>
      resolve({
        socket,
        send: (head, body) =>
          new Promise<RawResponse>((resolveResponse, rejectResponse) => {
            waiting = { resolve: resolveResponse, reject: rejectResponse };
            socket.write(head);
            if (body) socket.write(body);
          }),
      }),
    );
    socket.once("error", reject);
  });
}

function post(path: string, body: Buffer, extra = ""): string {
  return `POST ${path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n${extra}\r\n`;
}
const GET_PING = "GET /ping HTTP/1.1\r\nHost: test\r\n\r\n";

describe("startServer: a response sent before the body was read keeps the connection usable", () => {
  it.each([
    ["413 on a 2 MB body", "/upload", 413],
    ["401 before authentication", "/private", 401],
    ["404 for an unknown route", "/nowhere", 404],
  ])("%s, then a second request on the same socket succeeds", async (_name, path, status) => {
    const server = await startServer(app(), { port: 0, hostname: "127.0.0.1", shutdown: false });
    running.push(server);
    const client = await rawClient(server.port);
    try {
      const first = await client.send(post(path, BIG), BIG);
      expect(first.status).toBe(status);
      expect(first.headers.connection).not.toBe("close");
      const second = await client.send(GET_PING);
      expect(second.status).toBe(200);
      expect(JSON.parse(second.body)).toEqual({ pong: true });
      // And a body that is read still arrives whole on the same connection.
      const small = Buffer.alloc(1000, "y");
      const third = await client.send(post("/echo", small), small);
      expect(JSON.parse(third.body)).toEqual({ length: 1000 });
    } finally {
      client.socket.destroy();
    }
  });

  it.each([
    ["declared by Content-Length, refused unread", false],
    ["chunked, refused after reading part of it", true],
  ])("a covara resource's 413 on a 2 MB body %s, then the next request succeeds", async (_name, chunkedBody) => {
    const notes = sqliteTable("keepalive_notes", { id: integer("id").primaryKey(), text: text("text").notNull() });
    const sqlite = new Database(":memory:");
    sqlite.exec("create table keepalive_notes (id integer primary key, text text not null)");
    const covara = createCovara().resource("/notes", notes, {
      id: notes.id,
      db: drizzle({ client: sqlite }),
      auth: { public: { read: true, create: true } },
    });
    const server = await startServer(covara, { port: 0, hostname: "127.0.0.1", shutdown: false });
    running.push(server);
    const client = await rawClient(server.port);
    try {
      // Chunked, so the limit is found while streaming rather than from Content-Length.
      const chunk = Buffer.alloc(256 * 1024, "z");
      const chunked = Buffer.concat([
        ...Array.from({ length: 8 }, () =>
          Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]),
        ),
        Buffer.from("0\r\n\r\n"),
      ]);
      const head =
        "POST /api/notes HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
      const first = chunkedBody
        ? await client.send(head, chunked)
        : await client.send(post("/api/notes", BIG).replace("application/octet-stream", "application/json"), BIG);
      expect(first.status).toBe(413);
      expect(JSON.parse(first.body)).toMatchObject({ code: "PAYLOAD_TOO_LARGE", status: 413 });
      const second = await client.send("GET /api/notes HTTP/1.1\r\nHost: test\r\n\r\n");
      expect(second.status).toBe(200);
      expect(JSON.parse(second.body)).toMatchObject({ items: [], hasMore: false });
    } finally {
      client.socket.destroy();
      sqlite.close();
    }
  });
});
