/**
 * Who signed in at the upstream: the verified id_token claims, completed by the userinfo endpoint
 * when the upstream has one. Userinfo is not signed, so its `sub` must equal the id_token's
 * (OpenID Connect Core §5.3.4): otherwise the answer may be about someone else and is refused.
 */
import { isEmailAddress } from "../../auth";
import type { ExternalProfile } from "../types";
import type { CheckedUpstream } from "./config";
import { loginFailed, readJsonObject, upstreamFetch, upstreamUnavailable } from "./upstream-http";
import type { UpstreamMetadata } from "./upstream-metadata";

/** The userinfo claims, checked against the id_token's `sub`; empty when the upstream has no userinfo endpoint. */
export async function fetchUserinfo(
  upstream: CheckedUpstream,
  metadata: UpstreamMetadata,
  accessToken: string,
  sub: string,
): Promise<Record<string, unknown>> {
  if (metadata.userinfoEndpoint === undefined) return {};
  const label = upstream.config.label ?? upstream.config.name;
  const response = await upstreamFetch(label, "userinfo", metadata.userinfoEndpoint, {
    headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
  });
  if (response.status === 401 || response.status === 403) throw loginFailed(label, "userinfo-refused");
  if (!response.ok) throw upstreamUnavailable(label, `userinfo answered ${response.status}`);
  const claims = await readJsonObject(response);
  if (!claims) throw upstreamUnavailable(label, "userinfo is not a JSON object");
  if (claims.sub !== sub) throw loginFailed(label, "userinfo-sub-mismatch");
  return claims;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Some upstreams send `email_verified` as the string "true". */
function flag(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  return undefined;
}

/** The profile handed to `findOrCreateUser`; the id_token's claims win over userinfo's. */
export function externalProfile(
  upstream: CheckedUpstream,
  issuer: string,
  idTokenClaims: Record<string, unknown>,
  userinfo: Record<string, unknown>,
): ExternalProfile {
  const raw = { ...userinfo, ...idTokenClaims };
  const profile: ExternalProfile = { provider: upstream.config.name, subject: String(idTokenClaims.sub), issuer, raw };
  // An address the local sign-in paths would refuse is not passed on: it could only make an account
  // that magic links and password reset can never reach. The raw claims still hold it.
  const email = text(raw.email);
  if (email !== undefined && isEmailAddress(email)) {
    profile.email = email;
    const emailVerified = flag(raw.email_verified);
    if (emailVerified !== undefined) profile.emailVerified = emailVerified;
  }
  const name = text(raw.name) ?? ([text(raw.given_name), text(raw.family_name)].filter(Boolean).join(" ") || undefined);
  if (name !== undefined) profile.name = name;
  const picture = text(raw.picture);
  if (picture !== undefined) profile.picture = picture;
  return profile;
}
