/**
 * Which app user a provider account belongs to (the logical content of auth_accounts: provider +
 * providerAccountId → userId). The default keeps links in the KV; apps may supply their own store.
 */
import type { KV } from "../../../kernel/kv";

/** Persistence of provider-account links. */
export interface SocialAccountStore {
  /** The user linked to this provider account, or null. */
  findUserId(provider: string, providerAccountId: string): Promise<string | null>;
  /** Links a provider account to a user (replacing any earlier link). */
  link(provider: string, providerAccountId: string, userId: string): Promise<void>;
  /** Removes a link; true when one existed. */
  unlink(provider: string, providerAccountId: string): Promise<boolean>;
}

/** Creates an account-link store over a KV. */
export function createKVSocialAccountStore(kv: KV, options: { prefix?: string } = {}): SocialAccountStore {
  const prefix = options.prefix ?? "auth:social:account:";
  // encodeURIComponent keeps a ":" inside an id from colliding with the separator.
  const key = (provider: string, id: string) => `${prefix}${encodeURIComponent(provider)}:${encodeURIComponent(id)}`;
  return {
    findUserId: (provider, id) => kv.get(key(provider, id)),
    async link(provider, id, userId) {
      await kv.set(key(provider, id), userId);
    },
    unlink: (provider, id) => kv.delete(key(provider, id)),
  };
}
