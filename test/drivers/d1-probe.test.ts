import { selectDrivers } from "../helpers/drivers";
selectDrivers(["d1"]);
await import("../resource/batch.test");
await import("../resource/nested-writes.test");
await import("../resource/auth-scopes.test");
await import("../resource/batch-upsert-reads.test");
