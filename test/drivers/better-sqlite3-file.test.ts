/** The driver behaviour suite on better-sqlite3 on a database file (WAL), beside the in-memory one the default test files use. */
import { runBehaviourSuite } from "./behaviour";

await runBehaviourSuite(["better-sqlite3-file"]);
