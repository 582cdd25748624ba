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
