/**
 * The default way a social login finds its app user: a linked account first; else, by email, an
 * existing user (only when the provider vouches for the address, so nobody can claim an account
 * by registering its email unverified at a provider); else a new user, when the directory can
 * create one.
 */
import type { AuthKit, AuthUser } from "../../types";
import type { SocialAccountStore } from "./account-links";

/** The parts of a Passport profile (passport.Profile) this reads. */
export interface PassportProfile {
  provider?: string;
  id: string;
  displayName?: string;
  emails?: { value: string; verified?: boolean | string }[];
  _json?: Record<string, unknown>;
}

/** Why a social login could not produce a user (the message is safe to show). */
export class SocialLoginRefused extends Error {}

/** True for anything shaped like a Passport profile. */
export function isPassportProfile(value: unknown): value is PassportProfile {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { id?: unknown }).id === "string" &&
    ("emails" in value || "provider" in value || "displayName" in value)
  );
}

/** The profile's first email and whether the provider marked it verified. */
function emailOf(profile: PassportProfile): { email: string; verified: boolean } | null {
  const emails = profile.emails ?? [];
  const verifiedEntry = emails.find((entry) => entry.verified === true || entry.verified === "true");
  if (verifiedEntry) return { email: verifiedEntry.value.trim().toLowerCase(), verified: true };
  const first = emails[0]?.value ?? (typeof profile._json?.email === "string" ? profile._json.email : undefined);
  if (!first) return null;
  const flagged = profile._json?.email_verified === true || profile._json?.verified_email === true;
  return { email: first.trim().toLowerCase(), verified: flagged };
}

export interface ResolveOptions {
  provider: string;
  accounts: SocialAccountStore;
  /** Treat every email the provider returns as verified (only for providers that only return verified ones). */
  trustEmail: boolean;
}

/** Finds, links or creates the user for a provider profile. */
export async function resolveProfileUser(
  kit: AuthKit,
  profile: PassportProfile,
  options: ResolveOptions,
): Promise<AuthUser> {
  const { provider, accounts } = options;
  const linkedId = await accounts.findUserId(provider, profile.id);
  if (linkedId !== null) {
    const linked = await kit.users.getById(linkedId);
    if (linked !== null) return linked;
  }
  const found = emailOf(profile);
  const verified = found !== null && (found.verified || options.trustEmail);
  if (found !== null && kit.users.findByEmail) {
    const existing = await kit.users.findByEmail(found.email);
    if (existing !== null) {
      if (!verified)
        throw new SocialLoginRefused("An account with this email exists; sign in to it first to link this provider");
      await accounts.link(provider, profile.id, String(existing.id));
      return existing;
    }
  }
  if (found === null) throw new SocialLoginRefused("The provider did not share an email address");
  if (!kit.users.createUser) throw new SocialLoginRefused("No account is linked to this provider account");
  const created = await kit.users.createUser({
    email: found.email,
    name: profile.displayName ?? null,
    emailVerified: verified ? new Date() : null,
  });
  await accounts.link(provider, profile.id, String(created.id));
  return created;
}
