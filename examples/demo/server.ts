/**
 * Starts the demo on embedded SQLite (in memory unless DEMO_DB names a file), seeds a few rows and
 * prints where it listens. Run with `npm run demo`.
 */
import Database from "better-sqlite3";
import { count } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { pushTables, seedTable } from "../../src/db";
import { startServer } from "../../src/node";
import { createDemoApp } from "./app";
import { todos, users } from "./schema";

const db = drizzle(new Database(process.env.DEMO_DB ?? ":memory:"));
await pushTables(db, [users, todos]);
// A file database that already has data keeps it.
const existing = db.select({ n: count() }).from(users).get()?.n ?? 0;
if (existing === 0) {
  await seedTable(db, users, [
    { name: "Ada Lovelace", email: "ada@example.com", role: "admin" },
    { name: "Grace Hopper", email: "grace@example.com" },
  ]);
  await seedTable(db, todos, [
    { title: "Write the first program", userId: 1, position: 1, done: true },
    { title: "Describe the analytical engine", userId: 1, position: 2 },
    { title: "Find the first bug", userId: 2, position: 1 },
  ]);
}

const app = createDemoApp(db);
const server = await startServer(app, { port: Number(process.env.PORT ?? 3000) });
console.log(`covara demo listening on ${server.url}`);
console.log(`  try: curl '${server.url}/api/todos?filter=done==false&orderBy=position'`);
console.log(`       curl '${server.url}/api/users?include=todos(limit:2,orderBy:position)'`);
console.log(
  `       curl -X POST ${server.url}/api/todos -H 'authorization: Bearer demo-2' -H 'content-type: application/json' -d '{"title":"Ship it"}'`,
);
