/** Checks `backends.passport` when the provider is created, so a misconfiguration never waits for a login. */
import type { OIDCBackends, ResolveExternalUser } from "../types";
import type { PassportBackendConfig } from "../types";

/** A Passport upstream ready to mount: its config plus the resolver it will use. */
export interface PassportUpstream extends PassportBackendConfig {
  resolve: ResolveExternalUser;
}

const NAME = /^[A-Za-z0-9_-]{1,40}$/;

function configError(message: string): TypeError {
  return new TypeError(`covara/oidc: ${message}`);
}

/** The validated Passport upstreams; throws a TypeError naming the first problem. */
export function passportUpstreams(backends: OIDCBackends): PassportUpstream[] {
  const configs = backends.passport;
  if (configs === undefined) return [];
  if (!Array.isArray(configs)) throw configError("backends.passport must be an array of { name, strategy }");
  const seen = new Set<string>();
  return configs.map((config: PassportBackendConfig, index) => {
    const where = `backends.passport[${index}]`;
    if (typeof config !== "object" || config === null) throw configError(`${where} must be an object`);
    const { name } = config;
    if (typeof name !== "string" || !NAME.test(name)) {
      throw configError(`${where}.name must be 1-40 letters, digits, "-" or "_" (got ${JSON.stringify(name)})`);
    }
    if (seen.has(name)) throw configError(`backends.passport names must be unique ("${name}" appears twice)`);
    seen.add(name);
    if (typeof config.strategy?.authenticate !== "function")
      throw configError(`backends.passport "${name}": the strategy has no authenticate(req, options) method`);
    if (config.toProfile !== undefined && typeof config.toProfile !== "function")
      throw configError(`backends.passport "${name}": toProfile must be a function`);
    if (
      config.callbackURL !== undefined &&
      !(typeof config.callbackURL === "string" && URL.canParse(config.callbackURL))
    ) {
      throw configError(`backends.passport "${name}": callbackURL must be an absolute URL`);
    }
    const resolve = config.resolveUser ?? backends.findOrCreateUser;
    if (typeof resolve !== "function")
      throw configError(`backends.passport "${name}" needs resolveUser or backends.findOrCreateUser`);
    return { ...config, resolve };
  });
}
