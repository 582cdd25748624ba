/**
 * The context a strategy works with before `useAuth` binds it: users are known only by id, the
 * client IP comes from the socket, nothing is throttled, and KV-backed defaults use one memory KV.
 */
import { createMemoryKV } from "../../kv";
import { createClientIpResolver } from "../security/client-ip";
import type { StrategyContext } from "../types";

/** A stand-in context for a strategy used outside `useAuth` (tests, custom wiring). */
export function unboundStrategyContext(): StrategyContext {
  return {
    kv: createMemoryKV(),
    users: { getById: async (id) => ({ id }) },
    clientIp: createClientIpResolver(),
    throttle: async () => {},
  };
}
