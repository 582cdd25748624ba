/**
 * Uploads over real sockets (covara/node's server, where the body is read straight from Node's
 * IncomingMessage): a file arrives whole; an oversized one is answered 413 before the client has
 * sent it all and the connection is closed rather than drained; a client that disconnects
 * mid-upload leaves no object and no row.
 */
import { readdirSync, mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalStorage } from "../../src/files";
import { startServer, type CovaraServer } from "../../src/node";
import { filesApp } from "./helpers/files-app";

const basePath = mkdtempSync(join(tmpdir(), "covara-files-node-"));
let made: Awaited<ReturnType<typeof filesApp>>;
let server: CovaraServer;

beforeAll(async () => {
  made = await filesApp({ storage: createLocalStorage({ basePath }), maxFileSize: 1024 * 1024 });
  server = await startServer(made.app, { port: 0, hostname: "127.0.0.1", shutdown: false });
});
afterAll(async () => {
  await server.close();
  made.close();
  rmSync(basePath, { recursive: true, force: true });
});

function storedFiles(dir = basePath): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? storedFiles(join(dir, entry.name)) : [entry.name],
  );
}

/** Streams `total` bytes in 64 KiB writes; resolves with the answer and how much was written before it. */
function stream(
  total: number,
  stopAfter?: number,
): Promise<{ status: number; body: string; written: number; closed: boolean }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = request(
      {
        host: "127.0.0.1",
        port: server.port,
        method: "POST",
        path: "/api/files?name=data.bin",
        headers: { "content-type": "application/octet-stream", "content-length": String(total), "x-test-user": "ann" },
      },
      (res) => {
        answered = true;
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body, written, closed: res.headers.connection === "close" }),
        );
      },
    );
    req.on("error", (error) => {
      if (stopAfter !== undefined) resolve({ status: 0, body: "", written, closed: true });
      else if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, 7);
    const pump = () => {
      while (written < total && !answered) {
        if (stopAfter !== undefined && written >= stopAfter) {
          req.destroy();
          return;
        }
        written += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered && written >= total) req.end();
    };
    pump();
  });
}

describe("uploads over a real Node server", () => {
  it("stores a streamed upload whole", async () => {
    const result = await stream(512 * 1024);
    expect(result.status).toBe(201);
    expect(JSON.parse(result.body)).toMatchObject({ size: 512 * 1024, name: "data.bin" });
  });

  it("answers 413 before a 64 MB body is sent, and closes the connection", async () => {
    const before = storedFiles().length;
    const result = await stream(64 * 1024 * 1024);
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body).code).toBe("FILE_TOO_LARGE");
    expect(result.closed).toBe(true);
    expect(result.written).toBeLessThan(32 * 1024 * 1024);
    expect(storedFiles().length).toBe(before);
  });

  it("leaves nothing behind when the client disconnects mid-upload", async () => {
    const rows = made.rows().length;
    const files = storedFiles().length;
    await stream(900 * 1024, 300 * 1024);
    // The server notices the closed socket, fails the stream and removes the partial file.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(made.rows().length).toBe(rows);
    expect(storedFiles().length).toBe(files);
  });
});
