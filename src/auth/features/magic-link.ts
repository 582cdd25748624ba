/**
 * `magicLinks(options)`: passwordless sign-in by email. POST /magic-link/request always answers
 * `{ success: true }` and does its lookup and delivery after the response, so neither the body nor
 * the timing says whether the address has an account. GET or POST /magic-link/verify consumes the
 * single-use token and signs the user in through `kit.signIn`.
 */
import type { Context } from "hono";
import { z } from "zod";
import type { CovaraEnv } from "../../kernel/http";
import { emailAddressField } from "../email-address";
import type { AuthFeature, AuthKit, AuthUser } from "../types";
import { sha256Hex } from "./shared/crypto";
import { buildLinkEmail, defaultLinkEmail, withToken, type LinkEmailBuilder } from "./shared/link-email";
import { redirectKeepingCookies } from "./shared/redirect";
import { invalidToken, normalizeEmail, readBody, readToken, runDetached } from "./shared/request";

export interface MagicLinkOptions {
  /** How long a link works (default 15 minutes). */
  ttlMs?: number;
  /** Let unknown addresses sign up through a link (default true when `users.createUser` exists). */
  signUp?: boolean;
  /** The URL the email links to, given the token (default: this router's /magic-link/verify?token=). */
  buildUrl?: (token: string, c: Context<CovaraEnv>, kit: AuthKit) => string;
  /** The email's wording. */
  email?: LinkEmailBuilder;
  /** Where GET /magic-link/verify redirects (303, keeping the session cookies) after signing in. */
  successRedirect?: string;
}

const requestBody = z.object({ email: emailAddressField });
const tokenInput = z.object({ token: z.string().min(1).max(512) });

/** Creates the magic-link feature. */
export function magicLinks(options: MagicLinkOptions = {}): AuthFeature {
  const ttlMs = options.ttlMs ?? 15 * 60_000;
  const email = options.email ?? defaultLinkEmail("Your sign-in link", "Use this link to sign in.", "Sign in");

  return {
    name: "magic-link",
    mount(router, kit) {
      const signUp = options.signUp ?? kit.users.createUser !== undefined;
      if (!kit.users.findByEmail && !(signUp && kit.users.createUser)) {
        throw new Error("magicLinks() needs users.findByEmail (or users.createUser with signUp) on the user directory");
      }

      /** The account behind an address, created when sign-up through links is on. */
      async function accountFor(address: string, create: boolean): Promise<AuthUser | null> {
        const existing = kit.users.findByEmail ? await kit.users.findByEmail(address) : null;
        if (existing !== null || !create || !signUp || !kit.users.createUser) return existing;
        return kit.users.createUser({ email: address, emailVerified: new Date() });
      }

      router.post("/magic-link/request", async (c) => {
        const address = normalizeEmail((await readBody(c, requestBody)).email);
        await kit.throttle(c, `magic-link-ip:${kit.clientIp(c)}`);
        await kit.throttle(c, `magic-link:${await sha256Hex(address)}`);
        const base = options.buildUrl ? null : kit.url(c, "/magic-link/verify");
        runDetached(
          c,
          "magic link delivery",
          async () => {
            const known = await accountFor(address, false);
            if (known === null && !(signUp && kit.users.createUser)) return;
            const token = await kit.tokens.create(address, "magic-link", ttlMs);
            const url = options.buildUrl ? options.buildUrl(token, c, kit) : withToken(base!, token);
            await kit.sendEmail(
              await buildLinkEmail("magic-link", email, {
                to: address,
                url,
                expiresInMinutes: Math.round(ttlMs / 60_000),
              }),
            );
          },
          kit.logger,
        );
        return c.json({ success: true });
      });

      const verify = async (c: Context<CovaraEnv>) => {
        await kit.throttle(c, `email-token:${kit.clientIp(c)}`);
        const token = await readToken(c, tokenInput);
        const address = await kit.tokens.consume(token, "magic-link");
        if (address === null) throw invalidToken("The sign-in link is invalid, expired or already used");
        const user = await accountFor(address, true);
        if (user === null) throw invalidToken("The sign-in link is invalid, expired or already used");
        // Following the link proves the address, so an unverified account becomes verified.
        if (!user.emailVerified && kit.users.markEmailVerified) await kit.users.markEmailVerified(String(user.id));
        const signedIn = await kit.signIn(c, user, "magic-link");
        return c.req.method === "GET" && options.successRedirect
          ? redirectKeepingCookies(signedIn, options.successRedirect)
          : signedIn;
      };
      router.get("/magic-link/verify", verify);
      router.post("/magic-link/verify", verify);
    },
  };
}
