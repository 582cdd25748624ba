/** The driver behaviour suite on Neon's HTTP driver (`neon()` + drizzle-orm/neon-http), through a local endpoint speaking its wire format in front of the real PostgreSQL. */
import { runBehaviourSuite } from "./behaviour";

await runBehaviourSuite(["neon-http"]);
