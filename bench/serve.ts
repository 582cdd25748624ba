import { serve } from "@hono/node-server";

/**
 * The tail of every benchmark server process: print `READY <url>` for the runner, and close
 * cleanly on SIGTERM/SIGINT (so `--cpu-prof` gets to write its profile), exiting within 2 s.
 */
export function serveUntilSignalled(server: { url: string; close(): Promise<void> }): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(0), 2000);
    void server.close().finally(() => {
      clearTimeout(timer);
      process.exit(0);
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdout.write(`READY ${server.url}\n`);
}

/** Anything with a fetch handler (a Hono app, a covara app). */
type FetchApp = { fetch(request: Request, ...rest: any[]): Response | Promise<Response> };

/** A Hono app on `@hono/node-server`'s own `serve`, as a hand-written Hono service would run. */
export function serveHono(app: FetchApp): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
  });
}
