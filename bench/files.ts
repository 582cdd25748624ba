/**
 * `npm run bench:files`: file resource uploads and downloads against a hand-written node:http
 * stream-to-disk handler in the same run (issue 16's targets: throughput ≥ 0.8× for a 200 MB
 * upload and download, server RSS growth < 32 MB during the upload, 100 concurrent 1 MB uploads
 * without errors).
 *
 * Method: each server in its own process pinned to CPU 0 (bench/files-server.ts), the client in
 * another pinned to CPU 1 (bench/files-client.ts); variants alternate over rounds and the ratio is
 * taken per round, the median reported. The covara upload is a raw body (`POST /api/files?name=`),
 * the same bytes on the wire as the baseline's; it also records the SHA-256, checks magic bytes
 * and writes a row. RSS: the server samples itself every 20 ms; growth = peak during the upload
 * minus RSS after a GC right before it. The server's CPU time per upload and download is reported
 * too: on a shared machine it moves far less than wall-clock throughput.
 *
 * Options: --rounds N (3), --size MB (200), --json FILE.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  fmt,
  median,
  printMachineHeader,
  runScript,
  startServer,
  stopServer,
  table,
  type RunningServer,
} from "./harness";

type Variant = "covara" | "raw";
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const rounds = option("rounds", 3);
const size = option("size", 200) * 1024 * 1024;
const jsonAt = args.indexOf("--json");
const jsonFile = jsonAt === -1 ? undefined : args[jsonAt + 1];

const PATHS: Record<Variant, { upload: string; download: (id: number) => string }> = {
  covara: { upload: "/api/files?name=big.bin", download: (id) => `/api/files/${id}/download` },
  raw: { upload: "/upload", download: (id) => `/download/${id}` },
};

interface Round {
  uploadMBs: number;
  downloadMBs: number;
  rssGrowthMB: number;
  /** Server CPU time for the upload and the download, ms. */
  uploadCpuMs: number;
  downloadCpuMs: number;
}

async function client(server: RunningServer, ...clientArgs: string[]): Promise<Record<string, unknown>> {
  return JSON.parse((await runScript(1, "files-client.ts", [server.url, ...clientArgs])).trim()) as Record<
    string,
    unknown
  >;
}

async function rss(server: RunningServer, reset: boolean): Promise<{ rss: number; peak: number; cpuMs: number }> {
  return (await (await fetch(`${server.url}/__rss`, { method: reset ? "POST" : "GET" })).json()) as {
    rss: number;
    peak: number;
    cpuMs: number;
  };
}

async function measure(variant: Variant, dir: string): Promise<Round> {
  const server = await startServer("files-server.ts", variant, join(dir, variant), ["--expose-gc"]);
  try {
    // Warm-up: one small upload and download, so the first measured request pays no lazy loading.
    const warm = await client(server, "upload", PATHS[variant].upload, String(1024 * 1024));
    await client(server, "download", PATHS[variant].download(Number(warm.id)));
    const before = await rss(server, true);
    const up = await client(server, "upload", PATHS[variant].upload, String(size));
    if (up.status !== 201) throw new Error(`${variant} upload answered ${up.status}`);
    const during = await rss(server, false);
    const down = await client(server, "download", PATHS[variant].download(Number(up.id)));
    if (down.status !== 200 || down.bytes !== size)
      throw new Error(`${variant} download answered ${down.status} with ${down.bytes} bytes`);
    const after = await rss(server, false);
    const mb = size / 1024 / 1024;
    return {
      uploadMBs: mb / Number(up.seconds),
      downloadMBs: mb / Number(down.seconds),
      rssGrowthMB: (during.peak - before.rss) / 1024 / 1024,
      uploadCpuMs: during.cpuMs - before.cpuMs,
      downloadCpuMs: after.cpuMs - during.cpuMs,
    };
  } finally {
    await stopServer(server);
  }
}

printMachineHeader(`files bench: ${size / 1024 / 1024} MB upload and download, ${rounds} rounds`);
const dir = mkdtempSync(join(tmpdir(), "covara-bench-files-"));
const results: Record<Variant, Round>[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    const order: Variant[] = round % 2 === 0 ? ["covara", "raw"] : ["raw", "covara"];
    const measured = {} as Record<Variant, Round>;
    for (const variant of order) {
      measured[variant] = await measure(variant, join(dir, `round-${round}`));
      rmSync(join(dir, `round-${round}`, variant), { recursive: true, force: true });
    }
    results.push(measured);
    console.log(
      `round ${round + 1}: upload ${fmt(measured.covara.uploadMBs)} vs ${fmt(measured.raw.uploadMBs)} MB/s, download ${fmt(measured.covara.downloadMBs)} vs ${fmt(measured.raw.downloadMBs)} MB/s, covara RSS +${fmt(measured.covara.rssGrowthMB, 1)} MB`,
    );
  }

  // 100 concurrent 1 MB uploads, each server once.
  const concurrent: Record<Variant, Record<string, unknown>> = {} as never;
  for (const variant of ["covara", "raw"] as const) {
    const server = await startServer("files-server.ts", variant, join(dir, `concurrent-${variant}`));
    try {
      concurrent[variant] = await client(server, "concurrent", PATHS[variant].upload, "100", String(1024 * 1024));
    } finally {
      await stopServer(server);
    }
  }

  const med = (pick: (r: Record<Variant, Round>) => number) => median(results.map(pick));
  const uploadRatio = med((r) => r.covara.uploadMBs / r.raw.uploadMBs);
  const downloadRatio = med((r) => r.covara.downloadMBs / r.raw.downloadMBs);
  const rssGrowth = Math.max(...results.map((r) => r.covara.rssGrowthMB));
  console.log();
  console.log(
    table(
      ["measure", "covara", "node:http stream-to-disk", "ratio (median of rounds)", "target"],
      [
        [
          "upload MB/s (median)",
          fmt(med((r) => r.covara.uploadMBs)),
          fmt(med((r) => r.raw.uploadMBs)),
          `${fmt(uploadRatio, 2)}×`,
          "≥ 0.80×",
        ],
        [
          "download MB/s (median)",
          fmt(med((r) => r.covara.downloadMBs)),
          fmt(med((r) => r.raw.downloadMBs)),
          `${fmt(downloadRatio, 2)}×`,
          "≥ 0.80×",
        ],
        [
          "server CPU ms per upload (median)",
          fmt(med((r) => r.covara.uploadCpuMs)),
          fmt(med((r) => r.raw.uploadCpuMs)),
          `${fmt(
            med((r) => r.raw.uploadCpuMs / r.covara.uploadCpuMs),
            2,
          )}× (raw/covara)`,
          "",
        ],
        [
          "server CPU ms per download (median)",
          fmt(med((r) => r.covara.downloadCpuMs)),
          fmt(med((r) => r.raw.downloadCpuMs)),
          `${fmt(
            med((r) => r.raw.downloadCpuMs / r.covara.downloadCpuMs),
            2,
          )}× (raw/covara)`,
          "",
        ],
        [
          "server RSS growth during upload, MB (worst round)",
          fmt(rssGrowth, 1),
          fmt(Math.max(...results.map((r) => r.raw.rssGrowthMB)), 1),
          "",
          "< 32",
        ],
        [
          "100 concurrent 1 MB uploads: ok / errors",
          `${concurrent.covara.ok} / ${concurrent.covara.errors}`,
          `${concurrent.raw.ok} / ${concurrent.raw.errors}`,
          "",
          "100 / 0",
        ],
        ["  wall time, s", fmt(Number(concurrent.covara.seconds), 2), fmt(Number(concurrent.raw.seconds), 2), "", ""],
      ],
    ),
  );
  if (jsonFile)
    writeFileSync(
      jsonFile,
      JSON.stringify({ rounds: results, concurrent, uploadRatio, downloadRatio, rssGrowth }, null, 2),
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
