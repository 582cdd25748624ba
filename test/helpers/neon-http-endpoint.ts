/**
 * A local endpoint speaking Neon's SQL-over-HTTP wire format in front of the real PostgreSQL, so
 * the Neon HTTP driver (`neon()` + `drizzle-orm/neon-http`) runs against it through
 * `neonConfig.fetchEndpoint`. The format: POST `{ query, params }` (or `{ queries: [...] }`, run
 * as one transaction) with `Neon-Raw-Text-Output` / `Neon-Array-Mode`; the answer carries
 * `fields` and rows of Postgres text values (`{ results: [...] }` for a batch); a failed query
 * answers 400 with the Postgres error's fields.
 */
import { createServer, type IncomingMessage } from "node:http";
import pg from "pg";

export interface NeonHttpEndpoint {
  url: string;
  close(): Promise<void>;
}

interface QueryData {
  query: string;
  params?: unknown[];
}

// Every value comes back as the text Postgres sent: the driver parses it, as against Neon.
const rawText = { getTypeParser: () => (value: string) => value };

const ISOLATION: Record<string, string> = {
  ReadUncommitted: "read uncommitted",
  ReadCommitted: "read committed",
  RepeatableRead: "repeatable read",
  Serializable: "serializable",
};

async function readJson(
  request: IncomingMessage,
): Promise<{ query?: string; params?: unknown[]; queries?: QueryData[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function run(client: pg.PoolClient, data: QueryData) {
  const result = await client.query({ text: data.query, values: data.params ?? [], rowMode: "array", types: rawText });
  return {
    command: result.command,
    rowCount: result.rowCount,
    rows: result.rows,
    fields: result.fields.map((field) => ({ ...field })),
    rowAsArray: true,
  };
}

function beginStatement(headers: IncomingMessage["headers"]): string {
  const isolation = ISOLATION[String(headers["neon-batch-isolation-level"] ?? "")];
  const readOnly = headers["neon-batch-read-only"] === "true";
  return `begin${isolation ? ` isolation level ${isolation}` : ""}${readOnly ? " read only" : ""}`;
}

/** Starts the endpoint on an ephemeral loopback port; each request's `Neon-Connection-String` picks its pool. */
export async function startNeonHttpEndpoint(): Promise<NeonHttpEndpoint> {
  const pools = new Map<string, pg.Pool>();
  const poolFor = (connectionString: string) => {
    let pool = pools.get(connectionString);
    if (!pool) {
      pool = new pg.Pool({ connectionString, max: 4 });
      pool.on("error", () => {});
      pools.set(connectionString, pool);
    }
    return pool;
  };
  const server = createServer(async (request, response) => {
    let status = 200;
    let answer: unknown;
    let client: pg.PoolClient | undefined;
    try {
      client = await poolFor(String(request.headers["neon-connection-string"])).connect();
      const body = await readJson(request);
      if (body.queries) {
        await client.query(beginStatement(request.headers));
        try {
          const results = [];
          for (const query of body.queries) results.push(await run(client, query));
          await client.query("commit");
          answer = { results };
        } catch (error) {
          await client.query("rollback");
          throw error;
        }
      } else {
        answer = await run(client, { query: body.query ?? "", params: body.params });
      }
    } catch (error) {
      status = 400;
      answer = { ...(error as object), message: (error as Error).message };
    } finally {
      client?.release();
    }
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/sql`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((pool) => pool.end()));
    },
  };
}
