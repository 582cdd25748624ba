/**
 * An upstream's discovery document (OpenID Connect Discovery 1.0), read from
 * <issuer>/.well-known/openid-configuration and cached in this process, with its JWKS key source.
 * The document must name the configured issuer: a document that speaks for another issuer is
 * refused, so a misconfigured or hijacked URL cannot vouch for tokens.
 */
import { createRemoteJWKS as createRemoteJwks, type RemoteJWKS as RemoteJwks } from "../../auth";
import { ALGORITHMS, isJwtAlgorithm, type JwtAlgorithm } from "../../kernel/crypto/algorithms";
import type { CheckedUpstream } from "./config";
import { readJsonObject, upstreamFetch, upstreamUnavailable, UPSTREAM_TIMEOUT_MS } from "./upstream-http";

/** What the provider needs from the upstream's metadata. */
export interface UpstreamMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userinfoEndpoint?: string;
  jwksUri: string;
  /** Asymmetric algorithms the upstream signs id_tokens with (RS256 when it does not say). */
  idTokenAlgorithms: JwtAlgorithm[];
  jwks: RemoteJwks;
}

export type UpstreamMetadataSource = () => Promise<UpstreamMetadata>;

/** Discovery documents change rarely; an hour keeps logins off the upstream's metadata endpoint. */
export const METADATA_TTL_MS = 60 * 60 * 1000;

function label(upstream: CheckedUpstream): string {
  return upstream.config.label ?? upstream.config.name;
}

/** A discovered issuer with a placeholder such as Microsoft's `{tenantid}`. */
function isIssuerTemplate(issuer: string): boolean {
  return /\{[A-Za-z_]+\}/.test(issuer);
}

/** True when `iss` (from an id_token or the callback) is this upstream's issuer. */
export function acceptsIssuer(
  upstream: CheckedUpstream,
  metadata: UpstreamMetadata,
  iss: unknown,
  claims: Readonly<Record<string, unknown>>,
): iss is string {
  if (typeof iss !== "string" || iss === "") return false;
  if (iss === metadata.issuer) return true;
  return upstream.config.validateIssuer?.(iss, metadata.issuer, claims) === true;
}

function endpoint(document: Record<string, unknown>, member: string, secure: boolean): string | undefined {
  const value = document[member];
  if (typeof value !== "string" || !URL.canParse(value)) return undefined;
  const protocol = new URL(value).protocol;
  // An https issuer keeps every endpoint on https: tokens never travel in the clear.
  return protocol === "https:" || (!secure && protocol === "http:") ? value : undefined;
}

function idTokenAlgorithms(document: Record<string, unknown>): JwtAlgorithm[] {
  const advertised = document.id_token_signing_alg_values_supported;
  if (!Array.isArray(advertised)) return ["RS256"];
  // `none` and the HMAC algorithms are never accepted: a published JWKS cannot vouch for a shared secret.
  return advertised.filter((alg): alg is JwtAlgorithm => isJwtAlgorithm(alg) && ALGORITHMS[alg].family !== "oct");
}

async function fetchMetadata(
  upstream: CheckedUpstream,
  previous: UpstreamMetadata | undefined,
): Promise<UpstreamMetadata> {
  const name = label(upstream);
  const response = await upstreamFetch(name, "discovery", upstream.discoveryUrl, {
    headers: { accept: "application/json" },
  });
  if (!response.ok) throw upstreamUnavailable(name, `discovery answered ${response.status}`);
  const document = await readJsonObject(response);
  if (!document) throw upstreamUnavailable(name, "discovery is not a JSON object");
  const issuer = document.issuer;
  const configured = upstream.config.issuer;
  if (
    typeof issuer !== "string" ||
    (issuer !== configured && !(upstream.config.validateIssuer && isIssuerTemplate(issuer)))
  ) {
    throw upstreamUnavailable(name, "discovery names another issuer");
  }
  const secure = new URL(configured).protocol === "https:";
  const authorizationEndpoint = endpoint(document, "authorization_endpoint", secure);
  const tokenEndpoint = endpoint(document, "token_endpoint", secure);
  const jwksUri = endpoint(document, "jwks_uri", secure);
  if (!authorizationEndpoint || !tokenEndpoint || !jwksUri)
    throw upstreamUnavailable(name, "discovery lacks an endpoint");
  const algorithms = idTokenAlgorithms(document);
  if (algorithms.length === 0) throw upstreamUnavailable(name, "no asymmetric id_token algorithm");
  const sameKeys =
    previous !== undefined && previous.jwksUri === jwksUri && previous.idTokenAlgorithms.join() === algorithms.join();
  return {
    issuer,
    authorizationEndpoint,
    tokenEndpoint,
    userinfoEndpoint: endpoint(document, "userinfo_endpoint", secure),
    jwksUri,
    idTokenAlgorithms: algorithms,
    // Keeping the key source across refreshes keeps its cache and its unknown-kid cooldown.
    jwks: sameKeys
      ? previous.jwks
      : createRemoteJwks({ url: jwksUri, algorithms, timeoutMs: UPSTREAM_TIMEOUT_MS, retries: 1 }),
  };
}

/** The upstream's metadata, fetched on first use and again after `ttlMs`; failures are not cached. */
export function createMetadataSource(upstream: CheckedUpstream, ttlMs = METADATA_TTL_MS): UpstreamMetadataSource {
  let cached: { metadata: UpstreamMetadata; fetchedAt: number } | undefined;
  let inflight: Promise<UpstreamMetadata> | undefined;
  return async () => {
    if (cached && Date.now() - cached.fetchedAt < ttlMs) return cached.metadata;
    inflight ??= fetchMetadata(upstream, cached?.metadata)
      .then((metadata) => {
        cached = { metadata, fetchedAt: Date.now() };
        return metadata;
      })
      .finally(() => (inflight = undefined));
    return inflight;
  };
}
