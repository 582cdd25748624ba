/** The driver behaviour suite on libsql (@libsql/client): an in-memory and a file database. */
import { runBehaviourSuite } from "./behaviour";

await runBehaviourSuite(["libsql", "libsql-file"]);
