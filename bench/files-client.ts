/**
 * The load side of the files benchmark (bench/files.ts), pinned to its own CPU: streams an
 * upload of `size` bytes (a 1 MiB block repeated) with backpressure, downloads a file and
 * discards it, or fires `count` concurrent uploads. Prints one JSON line.
 */
import { request } from "node:http";

const [url, mode, ...args] = process.argv.slice(2) as [string, "upload" | "download" | "concurrent", ...string[]];
const block = Buffer.alloc(1024 * 1024);
for (let i = 0; i < block.length; i++) block[i] = (i * 131 + 7) & 0xff;

function upload(path: string, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url + path,
      { method: "POST", headers: { "content-type": "application/octet-stream", "content-length": String(size) } },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        // The 1 MiB block, 64 KiB at a time, from where the last chunk stopped.
        const offset = sent % block.length;
        const chunk = block.subarray(offset, offset + Math.min(64 * 1024, size - sent, block.length - offset));
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

function download(path: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    request(url + path, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
    })
      .on("error", reject)
      .end();
  });
}

const started = performance.now();
if (mode === "upload") {
  const [path, size] = args as [string, string];
  const result = await upload(path, Number(size));
  console.log(
    JSON.stringify({
      seconds: (performance.now() - started) / 1000,
      status: result.status,
      id: (JSON.parse(result.body) as { id?: number }).id,
    }),
  );
} else if (mode === "download") {
  const result = await download(args[0]!);
  console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, ...result }));
} else {
  const [path, count, size] = args as [string, string, string];
  const results = await Promise.allSettled(Array.from({ length: Number(count) }, () => upload(path, Number(size))));
  const ok = results.filter((r) => r.status === "fulfilled" && r.value.status === 201).length;
  const statuses = results.map((r) => (r.status === "fulfilled" ? r.value.status : "error"));
  console.log(
    JSON.stringify({
      seconds: (performance.now() - started) / 1000,
      ok,
      errors: results.length - ok,
      statuses: [...new Set(statuses)],
    }),
  );
}
