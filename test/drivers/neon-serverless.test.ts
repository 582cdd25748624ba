/** The driver behaviour suite on Neon's serverless Pool (@neondatabase/serverless) over WebSocket, through a loopback proxy to the real PostgreSQL. */
import { runBehaviourSuite } from "./behaviour";

await runBehaviourSuite(["neon-serverless"]);
