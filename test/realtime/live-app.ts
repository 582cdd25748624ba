/**
 * Test apps for the realtime suites: the users resource of the test schema on a given changelog
 * KV (memory or Redis, each app under its own namespace), with the header identity of usersApp.
 * Every hub made here is closed by `closeLiveApps()`.
 */
import { createCovara, type CovaraApp, type ResourceConfig } from "../../src";
import type { KV } from "../../src/kernel/kv";
import { createRealtime, type Realtime, type RealtimeOptions } from "../../src/realtime";
import { OPEN } from "../helpers/app";
import type { TestDatabase } from "../helpers/dialects";

type UsersTable = TestDatabase["users"];

const hubs: Realtime[] = [];
let namespaceCounter = 0;

/** A KV-backed hub with a namespace of its own, so tests sharing one Redis never see each other. */
export function testHub(kv: KV | undefined, options: RealtimeOptions = {}): Realtime {
  const run = `${process.pid}-${Date.now().toString(36)}-${++namespaceCounter}`;
  const hub = createRealtime({ kv, namespace: `covara-rt-test:${run}`, ...options });
  hubs.push(hub);
  return hub;
}

export interface LiveAppOptions {
  kv?: KV;
  realtime?: Realtime;
  hub?: RealtimeOptions;
  config?: Partial<ResourceConfig<UsersTable>>;
}

/** The users resource, open to anonymous users unless `config.auth` says otherwise. */
export function liveUsersApp(t: TestDatabase, options: LiveAppOptions = {}): CovaraApp {
  const realtime = options.realtime ?? testHub(options.kv, options.hub);
  return createCovara({
    realtime,
    authenticate: (c) => {
      const header = c.req.header("x-test-user");
      return header ? JSON.parse(header) : null;
    },
  }).resource("/users", t.users, { id: t.users.id, db: t.db, name: "users", auth: OPEN, ...options.config });
}

/** Closes every hub the tests made (ending their streams). */
export async function closeLiveApps(): Promise<void> {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
}
