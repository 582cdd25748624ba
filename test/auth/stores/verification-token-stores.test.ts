/**
 * Every VerificationTokenStore against every backend: tokens are single-use (also under
 * concurrency), bound to their purpose, expire, and are never stored in the clear.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDrizzleVerificationTokenStore } from "../../../src/auth/stores/drizzle-verification-token-store";
import { createKVVerificationTokenStore } from "../../../src/auth/stores/kv-verification-token-store";
import { createMemoryVerificationTokenStore } from "../../../src/auth/stores/memory-verification-token-store";
import type { VerificationTokenStore } from "../../../src/auth/types";
import { migrateInternal } from "../../../src/db";
import { databaseTargets, kvTargets, runs, uniquePrefix } from "./backends";

interface Opened {
  store: VerificationTokenStore;
  /** A second store over the same backend (another instance), when the backend is shared. */
  peer?: VerificationTokenStore;
  /** Everything the backend holds, as text, to prove the raw token is not in it. */
  dump?: () => Promise<string>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const MINUTE = 60_000;

function runVerificationTokenSuite(name: string, open: () => Promise<Opened>): void {
  describe(`VerificationTokenStore behaviour: ${name}`, () => {
    let opened: Opened;
    let store: VerificationTokenStore;
    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.close();
    });

    it("returns a high-entropy token once and consumes it for its identifier", async () => {
      const token = await store.create("alice@example.com", "email-verification", MINUTE);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await store.consume(token, "email-verification")).toBe("alice@example.com");
    });

    it("is single use: a replayed token is refused", async () => {
      const token = await store.create("bob@example.com", "magic-link", MINUTE);
      expect(await store.consume(token, "magic-link")).toBe("bob@example.com");
      expect(await store.consume(token, "magic-link")).toBeNull();
    });

    it("single use is atomic: of many concurrent consumes exactly one wins", async () => {
      for (let round = 0; round < 5; round++) {
        const token = await store.create(`race${round}@example.com`, "password-reset", MINUTE);
        const peer = opened.peer ?? store;
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? store : peer).consume(token, "password-reset")),
        );
        expect(results.filter((r) => r !== null)).toEqual([`race${round}@example.com`]);
      }
    });

    it("binds a token to its purpose: a reset token is no magic link, and a wrong-purpose try does not burn it", async () => {
      const token = await store.create("carol@example.com", "password-reset", MINUTE);
      expect(await store.consume(token, "magic-link")).toBeNull();
      expect(await store.consume(token, "email-verification")).toBeNull();
      expect(await store.consume(token, "password-reset")).toBe("carol@example.com");
    });

    it("refuses an expired token", async () => {
      const token = await store.create("dave@example.com", "magic-link", 30);
      await sleep(80);
      expect(await store.consume(token, "magic-link")).toBeNull();
    });

    it("keeps tokens of one identifier independent", async () => {
      const first = await store.create("erin@example.com", "magic-link", MINUTE);
      const second = await store.create("erin@example.com", "magic-link", MINUTE);
      expect(first).not.toBe(second);
      expect(await store.consume(second, "magic-link")).toBe("erin@example.com");
      expect(await store.consume(first, "magic-link")).toBe("erin@example.com");
    });

    it("answers null — never throws — for forged, malformed and hostile tokens", async () => {
      const hostile: unknown[] = [
        "",
        "short",
        "x".repeat(10_000),
        "' OR 1=1 --",
        "../../etc/passwd",
        "tok\u0000en-with-nul-0123456789",
        "ÄÖÜäöü-unicode-token-0123456789",
        "A".repeat(43),
        null,
        undefined,
        42,
        { token: "x" },
      ];
      for (const token of hostile) expect(await store.consume(token as string, "magic-link")).toBeNull();
    });

    it("stores only a hash of the token, never the token itself", async () => {
      const token = await store.create("frank@example.com", "email-verification", MINUTE);
      if (opened.dump !== undefined) {
        const everything = await opened.dump();
        expect(everything).toContain("frank@example.com");
        expect(everything).not.toContain(token);
      }
      expect(await store.consume(token, "email-verification")).toBe("frank@example.com");
    });

    it("rejects create arguments no flow should pass (a programming error)", async () => {
      await expect(store.create("", "magic-link", MINUTE)).rejects.toThrow(TypeError);
      await expect(store.create("x".repeat(400), "magic-link", MINUTE)).rejects.toThrow(TypeError);
      await expect(store.create("g@example.com", "bad purpose!", MINUTE)).rejects.toThrow(TypeError);
      await expect(store.create("g@example.com", "magic-link", 0)).rejects.toThrow(TypeError);
      await expect(store.create("g@example.com", "magic-link", Number.NaN)).rejects.toThrow(TypeError);
    });
  });
}

runVerificationTokenSuite("memory store", async () => ({
  store: createMemoryVerificationTokenStore(),
  close: async () => {},
}));

for (const target of kvTargets) {
  if (!(await runs(target))) {
    describe.skip(`VerificationTokenStore behaviour: KV store over ${target.name} (unavailable)`, () => {});
    continue;
  }
  runVerificationTokenSuite(`KV store over ${target.name}`, async () => {
    const kv = await target.open();
    const prefix = uniquePrefix("vt");
    // Over Redis the peer is a second connection: a real second instance racing for the token.
    const peerKV = target.name === "redis" ? await target.open() : kv;
    return {
      store: createKVVerificationTokenStore({ kv, prefix }),
      peer: createKVVerificationTokenStore({ kv: peerKV, prefix }),
      async dump() {
        const keys = await kv.keys(prefix);
        const values = await Promise.all(keys.map((key) => kv.get(key)));
        return [...keys, ...values].join("\n");
      },
      async close() {
        for (const key of await kv.keys(prefix)) await kv.delete(key);
        if (peerKV !== kv) await peerKV.close();
        await kv.close();
      },
    };
  });
}

for (const target of databaseTargets) {
  if (!(await runs(target))) {
    describe.skip(`VerificationTokenStore behaviour: Drizzle store over ${target.name} (unavailable)`, () => {});
    continue;
  }
  runVerificationTokenSuite(`Drizzle store over ${target.name}`, async () => {
    const database = await target.open();
    await migrateInternal(database.db);
    return {
      store: createDrizzleVerificationTokenStore({ db: database.db }),
      dump: async () => JSON.stringify(await database.query(`select * from "auth_verification_tokens"`)),
      close: () => database.close(),
    };
  });
}

describe("Drizzle verification token maintenance", () => {
  it("deleteExpired removes expired tokens only", async () => {
    const database = await databaseTargets[0]!.open();
    await migrateInternal(database.db);
    const store = createDrizzleVerificationTokenStore({ db: database.db });
    await store.create("old@example.com", "magic-link", 1);
    const live = await store.create("live@example.com", "magic-link", MINUTE);
    await sleep(20);
    expect(await store.deleteExpired()).toBe(1);
    expect(await store.consume(live, "magic-link")).toBe("live@example.com");
    await database.close();
  });
});
