/**
 * Verifies an upstream's id_token (OpenID Connect Core §3.1.3.7): the signature against the
 * upstream's JWKS with an algorithm it advertises (asymmetric only), `iss` equal to the discovered
 * issuer (or accepted by `validateIssuer`), `aud` naming our client id (and `azp` being it when
 * present), `exp`/`iat` with clock skew, `nonce` equal to the one sent, and `at_hash` when given.
 */
import { decodeJsonSegment } from "../../kernel/crypto/base64url";
import {
  JWTVerificationError as JwtVerificationError,
  verifyJWT as verifyJwt,
  type JWTFailureReason as JwtFailureReason,
} from "../../auth";
import { ProblemError } from "../../kernel/errors";
import { constantTimeEqual } from "../encoding";
import { computeAtHash } from "../token-issuer";
import type { CheckedUpstream } from "./config";
import { loginFailed, upstreamUnavailable, type FederationFailure } from "./upstream-http";
import { acceptsIssuer, type UpstreamMetadata } from "./upstream-metadata";

export interface IdTokenCheck {
  idToken: string;
  accessToken: string;
  nonce: string;
  clockSkewSeconds: number;
}

function failureOf(reason: JwtFailureReason): FederationFailure {
  switch (reason) {
    case "issuer":
      return "id-token-issuer";
    case "audience":
      return "id-token-audience";
    case "expired":
    case "not-yet-valid":
    case "issued-in-future":
      return "id-token-expired";
    case "claims":
      return "id-token-claims";
    default:
      return "id-token-signature";
  }
}

/** The unverified `iss` of a token, only to pick which issuer to verify it against. */
function claimedIssuer(token: string): unknown {
  const payload = token.split(".")[1];
  return payload === undefined ? undefined : decodeJsonSegment(payload)?.iss;
}

/** The verified claims of the id_token; throws `federated-login-failed` on any mismatch. */
export async function verifyIdToken(
  upstream: CheckedUpstream,
  metadata: UpstreamMetadata,
  check: IdTokenCheck,
): Promise<Record<string, unknown>> {
  const label = upstream.config.label ?? upstream.config.name;
  const clientId = upstream.config.clientId;
  // `validateIssuer` may accept a tenant-specific issuer; the token is still verified against it below.
  const claimed = claimedIssuer(check.idToken);
  const issuer =
    typeof claimed === "string" && claimed !== metadata.issuer && upstream.config.validateIssuer
      ? claimed
      : metadata.issuer;
  let claims: Record<string, unknown>;
  let alg: string;
  try {
    const verified = await verifyJwt(check.idToken, {
      keys: metadata.jwks,
      issuer,
      audience: clientId,
      algorithms: metadata.idTokenAlgorithms,
      clockSkewSeconds: check.clockSkewSeconds,
      requiredClaims: ["sub", "iat"],
      maxLength: 16_384,
    });
    claims = verified.claims;
    alg = verified.header.alg;
  } catch (error) {
    if (error instanceof JwtVerificationError) throw loginFailed(label, failureOf(error.reason));
    // The JWKS could not be fetched at all.
    if (error instanceof ProblemError) throw upstreamUnavailable(label, "signing keys unavailable", error);
    throw error;
  }
  // Only now, with the signature good, may `validateIssuer` judge the claims it was given.
  if (!acceptsIssuer(upstream, metadata, claims.iss, claims)) throw loginFailed(label, "id-token-issuer");
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.azp !== undefined ? claims.azp !== clientId : audiences.length > 1)
    throw loginFailed(label, "id-token-audience");
  if (typeof claims.sub !== "string" || claims.sub === "" || claims.sub.length > 255)
    throw loginFailed(label, "id-token-claims");
  if (typeof claims.nonce !== "string" || !constantTimeEqual(claims.nonce, check.nonce))
    throw loginFailed(label, "nonce-mismatch");
  if (claims.at_hash !== undefined) {
    const expected = await computeAtHash(check.accessToken, alg as Parameters<typeof computeAtHash>[1]);
    if (typeof claims.at_hash !== "string" || !constantTimeEqual(claims.at_hash, expected))
      throw loginFailed(label, "at-hash-mismatch");
  }
  return claims;
}
