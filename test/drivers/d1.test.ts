/** The driver behaviour suite on Cloudflare D1 (drizzle-orm/d1), each database a real D1 in workerd through miniflare. */
import { runBehaviourSuite } from "./behaviour";

await runBehaviourSuite(["d1"]);
