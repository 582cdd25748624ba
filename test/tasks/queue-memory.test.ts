import { createMemoryKV } from "../../src/kv/memory";
import { runTaskQueueSuite } from "./queue-suite";

runTaskQueueSuite("memory", async () => createMemoryKV());
