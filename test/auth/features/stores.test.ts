/**
 * The feature stores on every backend they support: passkey credentials (memory, KV on memory and
 * Redis), MFA state and backup codes (KV on memory and Redis), social account links (KV), and the
 * single-use guarantees under concurrency.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createKVMfaStore,
  createKVPasskeyStore,
  createKVSocialAccountStore,
  createMemoryPasskeyStore,
  type PasskeyCredential,
  type PasskeyStore,
} from "../../../src/auth";
import { rememberChallenge, takeChallenge } from "../../../src/auth/features/passkeys/challenges";
import type { KV } from "../../../src/kernel/kv";
import { backendRuns, kvBackends } from "./helpers/auth-app";

function credential(id: string, userId: string, createdAt: number): PasskeyCredential {
  return {
    id,
    userId,
    publicKey: "pQECAyYgASFY",
    counter: 0,
    transports: ["usb"],
    deviceType: "singleDevice",
    backedUp: false,
    name: null,
    createdAt,
    lastUsedAt: null,
  };
}

function passkeyStoreSuite(name: string, open: () => Promise<{ store: PasskeyStore; close(): Promise<void> }>) {
  describe(`passkey store: ${name}`, () => {
    let store: PasskeyStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, close } = await open());
    });
    afterEach(() => close());

    it("creates, reads, lists per user in creation order, records use and deletes", async () => {
      expect(await store.create(credential("c1", "u1", 1))).toBe(true);
      expect(await store.create(credential("c2", "u1", 2))).toBe(true);
      expect(await store.create(credential("c3", "u2", 3))).toBe(true);
      expect((await store.get("c1"))?.userId).toBe("u1");
      expect(await store.get("nope")).toBeNull();
      expect((await store.listByUser("u1")).map((c) => c.id)).toEqual(["c1", "c2"]);
      await store.recordUse("c1", 7, 1234);
      expect(await store.get("c1")).toMatchObject({ counter: 7, lastUsedAt: 1234 });
      expect(await store.delete("c1")).toBe(true);
      expect(await store.delete("c1")).toBe(false);
      expect((await store.listByUser("u1")).map((c) => c.id)).toEqual(["c2"]);
      expect(await store.listByUser("nobody")).toEqual([]);
    });

    it("refuses a second credential with the same id, even from another user", async () => {
      expect(await store.create(credential("dup", "u1", 1))).toBe(true);
      expect(await store.create(credential("dup", "u2", 2))).toBe(false);
      expect((await store.get("dup"))?.userId).toBe("u1");
      expect(await store.listByUser("u2")).toEqual([]);
    });

    it("returns copies, so callers cannot change stored credentials by mutation", async () => {
      await store.create(credential("c1", "u1", 1));
      const read = (await store.get("c1"))!;
      read.counter = 99;
      expect((await store.get("c1"))!.counter).toBe(0);
    });
  });
}

passkeyStoreSuite("memory", async () => ({ store: createMemoryPasskeyStore(), close: async () => {} }));

for (const backend of kvBackends) {
  const running = await backendRuns(backend);
  if (running) {
    passkeyStoreSuite(`KV on ${backend.name}`, async () => {
      const opened = await backend.open();
      return { store: createKVPasskeyStore(opened.kv), close: opened.close };
    });
  }

  describe.runIf(running)(`MFA store, challenges and account links on ${backend.name}`, () => {
    let kv: KV;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ kv, close } = await backend.open());
    });
    afterEach(() => close());

    it("keeps MFA state per user; an unconfirmed enrollment lapses with its TTL", async () => {
      const store = createKVMfaStore(kv);
      await store.put("u1", { secret: "AAAA", enabled: false, createdAt: 1, enabledAt: null }, 60_000);
      expect(await store.get("u1")).toEqual({ secret: "AAAA", enabled: false, createdAt: 1, enabledAt: null });
      expect(await kv.ttl("auth:mfa:state:u1")).toBeGreaterThan(0);
      await store.put("u1", { secret: "AAAA", enabled: true, createdAt: 1, enabledAt: 2 });
      expect(await kv.ttl("auth:mfa:state:u1")).toBeNull();
      expect(await store.get("u2")).toBeNull();
    });

    it("each backup code is consumed once, even by concurrent requests", async () => {
      const store = createKVMfaStore(kv);
      await store.replaceBackupCodes("u1", ["h1", "h2", "h3"]);
      expect(await store.countBackupCodes("u1")).toBe(3);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.consumeBackupCode("u1", "h2")));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.countBackupCodes("u1")).toBe(2);
      await store.replaceBackupCodes("u1", ["h9"]);
      expect(await store.consumeBackupCode("u1", "h1")).toBe(false);
      await store.delete("u1");
      expect(await store.countBackupCodes("u1")).toBe(0);
    });

    it("a WebAuthn challenge is taken once, even by concurrent requests", async () => {
      await rememberChallenge(kv, "chal", { ceremony: "authentication" }, 60_000);
      const taken = await Promise.all(Array.from({ length: 8 }, () => takeChallenge(kv, "chal")));
      expect(taken.filter((entry) => entry !== null)).toEqual([{ ceremony: "authentication" }]);
    });

    it("links provider accounts to users without collisions between providers or ids containing ':'", async () => {
      const accounts = createKVSocialAccountStore(kv);
      await accounts.link("github", "1", "u1");
      await accounts.link("git", "hub:1", "u2");
      expect(await accounts.findUserId("github", "1")).toBe("u1");
      expect(await accounts.findUserId("git", "hub:1")).toBe("u2");
      expect(await accounts.unlink("github", "1")).toBe(true);
      expect(await accounts.findUserId("github", "1")).toBeNull();
    });
  });
}
