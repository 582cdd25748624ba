/**
 * `passwordReset(options)`: POST /password-reset/request always answers `{ success: true }` and
 * does its lookup and delivery after the response (no enumeration, by body or by timing); POST
 * /password-reset/confirm (alias POST /password/reset) checks the password policy, consumes the
 * single-use token, stores the new hash and, with `logoutEverywhere`, ends every session.
 */
import type { Context } from "hono";
import { z } from "zod";
import type { CovaraEnv } from "../../kernel/http";
import { emailAddressField } from "../email-address";
import {
  passwordPolicy,
  passwordPolicyProblem,
  type PasswordPolicy,
  type PasswordPolicyOptions,
} from "../password-policy";
import { hashPassword, type PasswordHashOptions } from "../passwords";
import type { AuthFeature, AuthKit } from "../types";
import { sha256Hex } from "./shared/crypto";
import { buildLinkEmail, defaultLinkEmail, withToken, type LinkEmailBuilder } from "./shared/link-email";
import { invalidToken, normalizeEmail, readBody, runDetached } from "./shared/request";

export interface PasswordResetOptions {
  /** End every session of the user once the password changed (default true). */
  logoutEverywhere?: boolean;
  /** How long a reset link works (default 1 hour). */
  ttlMs?: number;
  /** The policy new passwords must meet: a policy, its options, or false for none (default: the built-in policy). */
  passwordPolicy?: PasswordPolicy | PasswordPolicyOptions | false;
  /** scrypt parameters for the new hash (default: the OWASP minimum, N=2^17, r=8, p=1). */
  hash?: PasswordHashOptions;
  /** The URL the email links to, given the token — usually your own reset page (default: this router's /password-reset/confirm?token=). */
  buildUrl?: (token: string, c: Context<CovaraEnv>, kit: AuthKit) => string;
  /** The email's wording. */
  email?: LinkEmailBuilder;
}

const requestBody = z.object({ email: emailAddressField });
const confirmBody = z.object({ token: z.string().min(1).max(512), password: z.string().min(1).max(1024) });

function resolvePolicy(option: PasswordResetOptions["passwordPolicy"]): PasswordPolicy | null {
  if (option === false) return null;
  if (option !== undefined && "assert" in option && typeof option.assert === "function")
    return option as PasswordPolicy;
  return passwordPolicy(option as PasswordPolicyOptions | undefined);
}

/** Creates the password-reset feature. */
export function passwordReset(options: PasswordResetOptions = {}): AuthFeature {
  const logoutEverywhere = options.logoutEverywhere ?? true;
  const ttlMs = options.ttlMs ?? 60 * 60_000;
  const policy: PasswordPolicy | null = resolvePolicy(options.passwordPolicy);
  const email =
    options.email ??
    defaultLinkEmail("Reset your password", "Use this link to choose a new password.", "Reset password");

  return {
    name: "password-reset",
    mount(router, kit) {
      const { findByEmail, setPasswordHash } = kit.users;
      if (!findByEmail || !setPasswordHash)
        throw new Error("passwordReset() needs users.findByEmail and users.setPasswordHash on the user directory");

      router.post("/password-reset/request", async (c) => {
        const address = normalizeEmail((await readBody(c, requestBody)).email);
        await kit.throttle(c, `password-reset-ip:${kit.clientIp(c)}`);
        await kit.throttle(c, `password-reset:${await sha256Hex(address)}`);
        const base = options.buildUrl ? null : kit.url(c, "/password-reset/confirm");
        runDetached(
          c,
          "password reset delivery",
          async () => {
            const user = await findByEmail.call(kit.users, address);
            if (user === null) return;
            const token = await kit.tokens.create(String(user.id), "password-reset", ttlMs);
            const url = options.buildUrl ? options.buildUrl(token, c, kit) : withToken(base!, token);
            await kit.sendEmail(
              await buildLinkEmail("password-reset", email, {
                to: user.email ?? address,
                url,
                expiresInMinutes: Math.round(ttlMs / 60_000),
              }),
            );
          },
          kit.logger,
        );
        return c.json({ success: true });
      });

      const confirm = async (c: Context<CovaraEnv>) => {
        await kit.throttle(c, `email-token:${kit.clientIp(c)}`);
        const { token, password } = await readBody(c, confirmBody);
        // The policy is checked before the token is spent, so a weak choice does not burn the link.
        policy?.assert(password);
        const userId = await kit.tokens.consume(token, "password-reset");
        const user = userId === null ? null : await kit.users.getById(userId);
        if (user === null) throw invalidToken("The reset link is invalid, expired or already used");
        if (policy) {
          const personal = policy.validate(password, { email: user.email ?? null, name: user.name ?? null });
          if (!personal.ok) {
            // The password repeats the user's own details: hand back a fresh token so they can retry.
            const problem = passwordPolicyProblem(personal.failures);
            problem.extensions.token = await kit.tokens.create(String(user.id), "password-reset", ttlMs);
            throw problem;
          }
        }
        await setPasswordHash.call(kit.users, String(user.id), await hashPassword(password, options.hash));
        if (logoutEverywhere) await kit.strategy.revokeAll(String(user.id));
        return c.json({ success: true });
      };
      router.post("/password-reset/confirm", confirm);
      router.post("/password/reset", confirm);
    },
  };
}
