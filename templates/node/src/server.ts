/** Production entry: serves the app on PORT (default 3000) and drains on SIGTERM. */
import { startServer } from "covara/node";
import { app } from "./app";

const server = await startServer(app, { port: Number(process.env.PORT ?? 3000) });
console.log(`listening on ${server.url}`);
