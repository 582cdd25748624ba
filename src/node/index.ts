/** `covara/node`: run a covara (or any fetch-style) app on Node's http server, with graceful shutdown. */
export { startServer } from "./start-server";
export type {
  CovaraServer,
  FetchApp,
  ListenInfo,
  NodeBindings,
  ShutdownOptions,
  StartServerOptions,
} from "./start-server";
