/**
 * The auth store behaviour the driver suite re-runs: the session store suite over the Drizzle
 * store, once per selected driver, with the internal tables created by migrateInternal.
 */
import { createDrizzleSessionStore } from "../../src/auth/stores/drizzle-session-store";
import { migrateInternal } from "../../src/db";
import { runSessionStoreSuite } from "../auth/stores/session-store-suite";
import { selectedDrivers } from "../helpers/drivers";

for (const driver of selectedDrivers()) {
  runSessionStoreSuite(`Drizzle store over ${driver.name}`, async () => {
    const connection = await driver.connect();
    await migrateInternal(connection.db);
    return { store: createDrizzleSessionStore({ db: connection.db }), close: () => connection.close() };
  });
}
