/** Turning a Passport strategy's verify result into the provider's ExternalProfile. */
import { isEmailAddress } from "../../auth";
import type { ExternalProfile } from "../types";

/** The parts of a Passport profile (passport.Profile) the default mapping reads. */
interface PassportProfileShape {
  id: string | number;
  displayName?: unknown;
  emails?: unknown;
  photos?: unknown;
}

function isProfileShape(value: unknown): value is PassportProfileShape & Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const id = (value as { id?: unknown }).id;
  return (typeof id === "string" && id !== "") || (typeof id === "number" && Number.isFinite(id));
}

/** The `value` of the first entry of a Passport list (emails, photos), when it is a non-empty string. */
function firstEntry(list: unknown): { value: string; verified?: unknown } | undefined {
  if (!Array.isArray(list)) return undefined;
  const entry: unknown = list[0];
  if (typeof entry !== "object" || entry === null) return undefined;
  const value = (entry as { value?: unknown }).value;
  return typeof value === "string" && value.trim() !== ""
    ? { value: value.trim(), verified: (entry as { verified?: unknown }).verified }
    : undefined;
}

/**
 * The default mapping, for strategies whose verify callback passes the Passport profile on: `id`,
 * `emails[0].value` (verified only when the strategy says so), `displayName`, `photos[0].value`.
 * Anything without an id maps to null (the login is refused).
 */
export function profileFromPassport(upstream: string, result: unknown): ExternalProfile | null {
  if (!isProfileShape(result)) return null;
  // Only an address the local sign-in paths accept is passed on (the raw profile still holds any other).
  const listed = firstEntry(result.emails);
  const email = listed && isEmailAddress(listed.value) ? listed : undefined;
  const photo = firstEntry(result.photos);
  return {
    provider: upstream,
    subject: String(result.id),
    ...(email
      ? { email: email.value.toLowerCase(), emailVerified: email.verified === true || email.verified === "true" }
      : {}),
    ...(typeof result.displayName === "string" && result.displayName !== "" ? { name: result.displayName } : {}),
    ...(photo ? { picture: photo.value } : {}),
    raw: result,
  };
}

/** True when a custom `toProfile` gave something usable: a subject and this upstream's name. */
export function isUsableProfile(profile: unknown): profile is ExternalProfile {
  if (typeof profile !== "object" || profile === null) return false;
  const { subject, provider } = profile as { subject?: unknown; provider?: unknown };
  return typeof subject === "string" && subject !== "" && typeof provider === "string" && provider !== "";
}
