import { spawn } from "node:child_process";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type CovaraServer, type FetchApp } from "../../src/node";
import { isShuttingDown, onShutdown } from "../../src/kernel/lifecycle";
import { securityHeaders } from "../../src/kernel/security-headers";

const root = fileURLToPath(new URL("../..", import.meta.url));
const running: CovaraServer[] = [];

async function serve(app: FetchApp, shutdown: Parameters<typeof startServer>[1] = {}): Promise<CovaraServer> {
  const server = await startServer(app, { port: 0, hostname: "127.0.0.1", shutdown: false, ...shutdown });
  running.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** node:http GET that resolves with the raw message (raw headers, repeated Set-Cookie intact). */
function rawGet(url: string, method = "GET"): Promise<{ res: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ res, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Sends raw bytes over TCP and returns everything the server answered before closing. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(text));
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (answer += chunk));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

describe("startServer: request and response translation", () => {
  it("listens on a random port and reports where", async () => {
    const listened = deferred<{ port: number; url: string }>();
    const server = await serve(
      new Hono().get("/", (c) => c.text("hello")),
      {
        onListen: (info) => listened.resolve(info),
      },
    );
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(await listened.promise).toMatchObject({ port: server.port, url: server.url });
    expect(server.server.listening).toBe(true);
  });

  it("answers a GET with status, headers and a Content-Length for a buffered body", async () => {
    const app = new Hono().get("/items/:id", (c) =>
      c.json({ id: c.req.param("id"), q: c.req.query("q"), ua: c.req.header("x-test") }, 201, { "x-reply": "yes" }),
    );
    const server = await serve(app);
    const { res, body } = await rawGet(`${server.url}/items/7?q=a%20b`);
    expect(res.statusCode).toBe(201);
    expect(res.headers["x-reply"]).toBe("yes");
    expect(res.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(res.headers["transfer-encoding"]).toBeUndefined();
    expect(JSON.parse(body)).toEqual({ id: "7", q: "a b" });
  });

  it("gives the app the request URL, method and headers as sent", async () => {
    const app: FetchApp = {
      fetch: (req) => Response.json({ url: req.url, method: req.method, custom: req.headers.get("x-custom") }),
    };
    const server = await serve(app);
    const res = await fetch(`${server.url}/a/b?c=d`, { method: "PUT", headers: { "x-custom": "v1" } });
    expect(await res.json()).toEqual({ url: `${server.url}/a/b?c=d`, method: "PUT", custom: "v1" });
  });

  it("keeps a path that looks like an authority on this host", async () => {
    const app: FetchApp = { fetch: (req) => new Response(new URL(req.url).host + new URL(req.url).pathname) };
    const server = await serve(app);
    const answer = await rawExchange(
      server.port,
      "GET //evil.example/x HTTP/1.1\r\nHost: good.example\r\nConnection: close\r\n\r\n",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain("good.example//evil.example/x");
  });

  it("answers 400 problem+json to a Host header that would change the URL", async () => {
    const server = await serve({ fetch: () => new Response("should not run") });
    const answer = await rawExchange(
      server.port,
      "GET /public HTTP/1.1\r\nHost: x/admin?\r\nConnection: close\r\n\r\n",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain("application/problem+json");
    expect(answer).not.toContain("should not run");
  });

  it("passes a POST body through, large bodies included", async () => {
    const app = new Hono().post("/echo", async (c) => {
      const text = await c.req.text();
      return c.json({ length: text.length, head: text.slice(0, 5), type: c.req.header("content-type") });
    });
    const server = await serve(app);
    const big = "x".repeat(3 * 1024 * 1024);
    const res = await fetch(`${server.url}/echo`, {
      method: "POST",
      body: `hello${big}`,
      headers: { "content-type": "text/plain" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ length: big.length + 5, head: "hello", type: "text/plain" });
  });

  it("streams the request body: the app sees a chunk before the client sent the rest", async () => {
    // The app echoes the request body stream straight back, so the client only gets "one" back
    // if the first chunk reached the app while the request was still open.
    const server = await serve({
      fetch: (req) => new Response(req.body, { headers: { "content-type": "application/octet-stream" } }),
    });
    const echoed = await new Promise<string[]>((resolve, reject) => {
      const req = httpRequest(`${server.url}/`, { method: "POST", headers: { "transfer-encoding": "chunked" } });
      req.on("error", reject);
      req.on("response", (res) => {
        const chunks: string[] = [];
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          chunks.push(chunk);
          if (chunks.join("") === "one") req.end("two");
        });
        res.on("end", () => resolve(chunks));
      });
      req.write("one");
      req.flushHeaders();
    });
    expect(echoed.join("")).toBe("onetwo");
  });

  it("allows a POST without a body", async () => {
    const server = await serve({ fetch: async (req) => new Response(`[${await req.text()}]`) });
    const res = await fetch(`${server.url}/`, { method: "POST" });
    expect(await res.text()).toBe("[]");
  });

  it("streams a response chunk by chunk, each flushed before the next is produced", async () => {
    const gates = [deferred(), deferred()];
    const encoder = new TextEncoder();
    const app: FetchApp = {
      fetch: () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async start(controller) {
              controller.enqueue(encoder.encode("data: 1\n\n"));
              await gates[0]!.promise;
              controller.enqueue(encoder.encode("data: 2\n\n"));
              await gates[1]!.promise;
              controller.enqueue(encoder.encode("data: 3\n\n"));
              controller.close();
            },
          }),
          { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } },
        ),
    };
    const server = await serve(app);
    const res = await fetch(`${server.url}/events`);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toBe("data: 1\n\n");
    gates[0]!.resolve();
    expect((await reader.read()).value).toBe("data: 2\n\n");
    gates[1]!.resolve();
    expect((await reader.read()).value).toBe("data: 3\n\n");
    expect((await reader.read()).done).toBe(true);
  });

  it("sends event-stream headers before the first event exists", async () => {
    const never = new ReadableStream<Uint8Array>({});
    const server = await serve({
      fetch: () => new Response(never, { headers: { "content-type": "text/event-stream" } }),
    });
    const controller = new AbortController();
    const res = await fetch(`${server.url}/`, { signal: controller.signal });
    expect(res.status).toBe(200);
    controller.abort();
  });

  it("sends the headers and a first chunk that is ready at once in one socket write", async () => {
    const event = new TextEncoder().encode("event: connected\ndata: {}\n\n");
    const server = await serve({
      fetch: async () =>
        new Response(new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(event) }), {
          headers: { "content-type": "text/event-stream" },
        }),
    });
    // Counts what the server's socket hands to the kernel: one _write or _writev call per write.
    let writes = 0;
    server.server.on("connection", (socket: Socket) => {
      const stream = socket as Socket & { _write: (...args: unknown[]) => void; _writev: (...args: unknown[]) => void };
      const [write, writev] = [stream._write, stream._writev];
      stream._write = (...args) => (writes++, write.apply(stream, args));
      stream._writev = (...args) => (writes++, writev.apply(stream, args));
    });
    const answer = await new Promise<string>((resolve, reject) => {
      const client = connect(server.port, "127.0.0.1", () => client.write("GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"));
      let text = "";
      client.setEncoding("utf8");
      client.on("data", (chunk: string) => {
        text += chunk;
        if (text.includes("data: {}")) {
          client.destroy();
          resolve(text);
        }
      });
      client.on("error", reject);
    });
    expect(answer).toMatch(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*content-type: text\/event-stream\r\n[\s\S]*event: connected\ndata: \{\}/,
    );
    expect(writes).toBe(1);
  });

  it("streams a non-SSE response that is still open after its first chunk", async () => {
    const gate = deferred();
    const app: FetchApp = {
      fetch: () =>
        new Response(
          new ReadableStream<string>({
            async start(controller) {
              controller.enqueue("first,");
              await gate.promise;
              controller.enqueue("second");
              controller.close();
            },
          }).pipeThrough(new TextEncoderStream()),
          { headers: { "content-type": "application/x-ndjson" } },
        ),
    };
    const server = await serve(app);
    const res = await fetch(`${server.url}/`);
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toBe("first,");
    gate.resolve();
    expect((await reader.read()).value).toBe("second");
  });

  it("aborts the request's signal and cancels the response stream when the client disconnects", async () => {
    const aborted = deferred<boolean>();
    const cancelled = deferred<boolean>();
    const started = deferred();
    const app: FetchApp = {
      fetch: (req) => {
        req.signal.addEventListener("abort", () => aborted.resolve(true));
        started.resolve();
        return new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode("data: hi\n\n"));
            },
            cancel() {
              cancelled.resolve(true);
            },
          }),
          { headers: { "content-type": "text/event-stream" } },
        );
      },
    };
    const server = await serve(app);
    const client = new AbortController();
    const res = await fetch(`${server.url}/`, { signal: client.signal });
    await res.body!.getReader().read();
    await started.promise;
    client.abort();
    expect(await aborted.promise).toBe(true);
    expect(await cancelled.promise).toBe(true);
  });

  it("aborts the signal of a request still waiting on the app", async () => {
    const aborted = deferred<string>();
    const app: FetchApp = {
      fetch: (req) =>
        new Promise<Response>((resolve) => {
          req.signal.addEventListener("abort", () => {
            aborted.resolve("aborted");
            resolve(new Response("too late"));
          });
        }),
    };
    const server = await serve(app);
    const req = httpRequest(`${server.url}/hang`);
    req.on("error", () => {});
    req.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    req.destroy();
    expect(await aborted.promise).toBe("aborted");
  });

  it("keeps multiple Set-Cookie headers separate", async () => {
    const app = new Hono().get("/login", (c) => {
      c.header("set-cookie", "session=abc; Path=/; HttpOnly; Expires=Wed, 21 Oct 2037 07:28:00 GMT", { append: true });
      c.header("set-cookie", "theme=dark; Path=/", { append: true });
      return c.text("ok");
    });
    const server = await serve(app);
    const { res } = await rawGet(`${server.url}/login`);
    expect(res.headers["set-cookie"]).toEqual([
      "session=abc; Path=/; HttpOnly; Expires=Wed, 21 Oct 2037 07:28:00 GMT",
      "theme=dark; Path=/",
    ]);
  });

  it("answers HEAD with headers only and releases the app's body", async () => {
    const cancelled = deferred<boolean>();
    const app: FetchApp = {
      fetch: () =>
        new Response(new ReadableStream({ cancel: () => cancelled.resolve(true) }), {
          headers: { "content-type": "text/plain", "x-head": "1" },
        }),
    };
    const server = await serve(app);
    const { res, body } = await rawGet(`${server.url}/`, "HEAD");
    expect(res.statusCode).toBe(200);
    expect(res.headers["x-head"]).toBe("1");
    expect(body).toBe("");
    expect(await cancelled.promise).toBe(true);
  });

  it("answers HEAD through a Hono app", async () => {
    const server = await serve(new Hono().get("/", (c) => c.text("body")));
    const res = await fetch(`${server.url}/`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });

  it("answers 500 problem+json when the app throws, without leaking the error", async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      const server = await serve({
        fetch: () => {
          throw new Error("secret database detail");
        },
      });
      const res = await fetch(`${server.url}/`);
      expect(res.status).toBe(500);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const text = await res.text();
      expect(text).not.toContain("secret");
      expect(JSON.parse(text)).toMatchObject({ status: 500 });
      expect(errors.length).toBe(1);
    } finally {
      console.error = original;
    }
  });

  it("rejects an invalid port and a port already in use", async () => {
    await expect(startServer({ fetch: () => new Response() }, { port: 70_000, shutdown: false })).rejects.toThrow(
      RangeError,
    );
    const first = await serve({ fetch: () => new Response() });
    await expect(
      startServer({ fetch: () => new Response() }, { port: first.port, hostname: "127.0.0.1", shutdown: false }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});

describe("startServer: head defaults (security headers added as the head is written)", () => {
  function secured(route: (app: Hono) => void): Hono {
    const app = new Hono();
    app.use("*", securityHeaders());
    route(app);
    return app;
  }

  it("adds every security header to JSON, empty, streamed and raw responses", async () => {
    const server = await serve(
      secured((app) => {
        app.get("/json", (c) => c.json({ ok: true }));
        app.get("/empty", (c) => c.body(null, 204));
        app.get("/raw", () => new Response("raw", { headers: { "content-type": "text/plain" } }));
        app.get("/stream", () => new Response(new ReadableStream({ start: (ctl) => ctl.close() })));
      }),
    );
    for (const path of ["/json", "/empty", "/raw", "/stream"]) {
      const { res } = await rawGet(server.url + path);
      expect(res.headers["x-content-type-options"], path).toBe("nosniff");
      expect(res.headers["x-frame-options"], path).toBe("DENY");
      expect(res.headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
      expect(res.headers["strict-transport-security"], path).toMatch(/^max-age=\d+; includeSubDomains$/);
    }
    const head = await rawGet(`${server.url}/json`, "HEAD");
    expect(head.res.headers["x-frame-options"]).toBe("DENY");
  });

  it("leaves a header the handler set alone, whatever its case, and sends each header once", async () => {
    const server = await serve(
      secured((app) => {
        app.get("/context", (c) => {
          c.header("X-Frame-Options", "SAMEORIGIN");
          return c.json({});
        });
        app.get("/record", () => new Response("{}", { headers: { "Referrer-Policy": "no-referrer" } }));
      }),
    );
    const viaContext = await rawGet(`${server.url}/context`);
    expect(viaContext.res.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(viaContext.res.rawHeaders.filter((name) => name.toLowerCase() === "x-frame-options")).toHaveLength(1);
    const viaRecord = await rawGet(`${server.url}/record`);
    expect(viaRecord.res.headers["referrer-policy"]).toBe("no-referrer");
    expect(viaRecord.res.rawHeaders.filter((name) => name.toLowerCase() === "referrer-policy")).toHaveLength(1);
    expect(viaRecord.res.headers["x-frame-options"]).toBe("DENY");
  });

  it("are set on c.res when the app runs anywhere else (app.request)", async () => {
    const app = secured((inner) => inner.get("/", (c) => c.json({})));
    const response = await app.request("/");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
  });
});

describe("startServer: close()", () => {
  it("lets an in-flight request finish, then refuses new connections", async () => {
    const entered = deferred();
    const release = deferred();
    const app: FetchApp = {
      fetch: async () => {
        entered.resolve();
        await release.promise;
        return new Response("finished");
      },
    };
    const server = await startServer(app, { port: 0, hostname: "127.0.0.1", shutdown: false });
    const inFlight = fetch(`${server.url}/`);
    await entered.promise;
    const closed = server.close();
    setTimeout(() => release.resolve(), 100);
    const res = await inFlight;
    expect(await res.text()).toBe("finished");
    await closed;
    expect(server.server.listening).toBe(false);
    await expect(fetch(`${server.url}/`)).rejects.toThrow();
  });

  it("answers a request still in flight when the drain starts with Connection: close", async () => {
    const entered = deferred();
    const release = deferred();
    const app: FetchApp = {
      fetch: async () => {
        entered.resolve();
        await release.promise;
        return new Response("finished");
      },
    };
    const server = await startServer(app, { port: 0, hostname: "127.0.0.1", shutdown: false });
    const inFlight = rawGet(`${server.url}/`);
    await entered.promise;
    const closed = server.close();
    release.resolve();
    const { res, body } = await inFlight;
    expect(body).toBe("finished");
    expect(res.headers.connection).toBe("close");
    await closed;
  });

  it("destroys connections still open when the grace period ends", async () => {
    const aborted = deferred<boolean>();
    const app: FetchApp = {
      fetch: (req) =>
        new Promise<Response>(() => {
          req.signal.addEventListener("abort", () => aborted.resolve(true));
        }),
    };
    const server = await startServer(app, {
      port: 0,
      hostname: "127.0.0.1",
      shutdown: { signals: [], timeoutMs: 100 },
    });
    const inFlight = fetch(`${server.url}/`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await aborted.promise).toBe(true);
    expect(await inFlight).toBeInstanceOf(Error);
  });
});

describe("startServer: graceful shutdown on a signal", () => {
  it("drains in a child process: in-flight request completes, readiness flips, SSE ends, exit 0", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/graceful-server.ts"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const waiters: Array<{ line: string; resolve: () => void }> = [];
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const waiter of waiters) if (stdout.includes(waiter.line)) waiter.resolve();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    const line = (text: string): Promise<void> =>
      new Promise((resolve, reject) => {
        if (stdout.includes(text)) return resolve();
        waiters.push({ line: text, resolve });
        void exited.then(() => reject(new Error(`child exited before "${text}"\n${stdout}\n${stderr}`)));
      });

    try {
      await line("LISTENING ");
      const url = /LISTENING (\S+)/.exec(stdout)![1]!;
      expect((await fetch(`${url}/readyz`)).status).toBe(200);

      const events = await fetch(`${url}/events`);
      const eventReader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
      expect((await eventReader.read()).value).toContain("event: ready");

      const slow = fetch(`${url}/slow`);
      await line("SLOW STARTED");
      const signalledAt = Date.now();
      child.kill("SIGTERM");

      // Hooks run before the server stops accepting: readiness is observably 503 meanwhile.
      await line("HOOK RAN");
      const ready = await fetch(`${url}/readyz`, { headers: { connection: "close" } });
      expect(ready.status).toBe(503);

      // The SSE stream was ended by its shutdown hook, cleanly.
      let rest = "";
      for (;;) {
        const { done, value } = await eventReader.read();
        if (done) break;
        rest += value;
      }
      expect(rest).toContain("event: bye");

      const slowRes = await slow;
      expect(slowRes.status).toBe(200);
      expect(await slowRes.json()).toEqual({ done: true, shuttingDownAtEnd: true });

      expect(await exited).toEqual({ code: 0, signal: null });
      // Exited once the work was done, not by sitting out the 5 s grace period.
      expect(Date.now() - signalledAt).toBeLessThan(4_000);
    } finally {
      child.kill("SIGKILL");
    }
    expect(stderr).toBe("");
  }, 30_000);

  // Last in the file: it flips this process's shutdown flag for good.
  it("runs hooks, drains and calls the injected exit instead of exiting the process", async () => {
    const exitCode = deferred<number>();
    const hookRan = deferred<boolean>();
    const entered = deferred();
    const app: FetchApp = {
      fetch: async () => {
        entered.resolve();
        await new Promise((resolve) => setTimeout(resolve, 200));
        return Response.json({ shuttingDown: isShuttingDown() });
      },
    };
    const server = await startServer(app, {
      port: 0,
      hostname: "127.0.0.1",
      shutdown: { signals: ["SIGUSR2"], timeoutMs: 5_000, exit: (code) => exitCode.resolve(code) },
    });
    const unregister = onShutdown(() => hookRan.resolve(true));
    const inFlight = fetch(`${server.url}/`);
    await entered.promise;
    expect(isShuttingDown()).toBe(false);

    process.kill(process.pid, "SIGUSR2");

    expect(await exitCode.promise).toBe(0);
    expect(await hookRan.promise).toBe(true);
    expect(isShuttingDown()).toBe(true);
    expect(await (await inFlight).json()).toEqual({ shuttingDown: true });
    expect(server.server.listening).toBe(false);
    expect(process.listenerCount("SIGUSR2")).toBe(0);
    unregister();

    // A hook registered after shutdown began (an SSE stream opened late) runs at once.
    const late = deferred<boolean>();
    onShutdown(() => late.resolve(true));
    expect(await late.promise).toBe(true);
  });
});
