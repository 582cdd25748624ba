/** The driver behaviour suite on node-postgres (`pg` Pool) against the real PostgreSQL. */
import { runBehaviourSuite } from "./behaviour";

await runBehaviourSuite(["node-postgres"]);
