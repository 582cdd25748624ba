import { selectDrivers } from "../helpers/drivers";
selectDrivers(["d1"]);
await import("../resource/crud.test");
await import("../resource/batch.test");
