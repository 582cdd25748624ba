/** The subscription behaviour suite over the in-memory changelog (one memory KV per hub). */
import { runSubscriptionSuite } from "./subscription-suite";

runSubscriptionSuite("the memory KV", () => undefined);
