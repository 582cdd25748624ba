/**
 * `emailVerification(options)`: proves a user owns their address. A link is sent on signup (when
 * `sendOnSignup`) and on POST /verify-email/request for the signed-in user; GET or POST
 * /verify-email?token= consumes the single-use token and calls `users.markEmailVerified`.
 */
import type { Context } from "hono";
import { z } from "zod";
import type { CovaraEnv } from "../../kernel/http";
import { isEmailAddress } from "../email-address";
import type { AuthFeature, AuthKit, AuthUser } from "../types";
import { buildLinkEmail, defaultLinkEmail, withToken, type LinkEmailBuilder } from "./shared/link-email";
import { problems } from "../../kernel/errors";
import { invalidToken, normalizeEmail, readToken, requireSignedIn, runDetached } from "./shared/request";

export interface EmailVerificationOptions {
  /** How long a link works (default 24 hours). */
  ttlMs?: number;
  /** Send a verification link when a user signs up (default true). */
  sendOnSignup?: boolean;
  /** The URL the email links to, given the token (default: this router's /verify-email?token=). */
  buildUrl?: (token: string, c: Context<CovaraEnv>, kit: AuthKit) => string;
  /** The email's wording. */
  email?: LinkEmailBuilder;
  /** Where GET /verify-email redirects (303) once the address is verified. */
  successRedirect?: string;
}

const tokenInput = z.object({ token: z.string().min(1).max(512) });

/**
 * The token's identifier ties it to one user *and* one address, so a link sent before an email
 * change cannot verify the new address.
 */
const identifierOf = (user: AuthUser) => `${user.id}\n${normalizeEmail(user.email!)}`;

/** Creates the email-verification feature. */
export function emailVerification(options: EmailVerificationOptions = {}): AuthFeature {
  const ttlMs = options.ttlMs ?? 24 * 60 * 60_000;
  const sendOnSignup = options.sendOnSignup ?? true;
  const email =
    options.email ?? defaultLinkEmail("Verify your email", "Confirm that this is your email address.", "Verify email");

  /** Creates a token and delivers the link after the response. */
  function sendLink(c: Context<CovaraEnv>, kit: AuthKit, user: AuthUser): void {
    const base = options.buildUrl ? null : kit.url(c, "/verify-email");
    runDetached(
      c,
      "verification email delivery",
      async () => {
        const token = await kit.tokens.create(identifierOf(user), "email-verification", ttlMs);
        const url = options.buildUrl ? options.buildUrl(token, c, kit) : withToken(base!, token);
        await kit.sendEmail(
          await buildLinkEmail("email-verification", email, {
            to: user.email!,
            url,
            expiresInMinutes: Math.round(ttlMs / 60_000),
          }),
        );
      },
      kit.logger,
    );
  }

  return {
    name: "email-verification",
    mount(router, kit) {
      const markVerified = kit.users.markEmailVerified;
      if (!markVerified) throw new Error("emailVerification() needs users.markEmailVerified on the user directory");

      router.post("/verify-email/request", async (c) => {
        const signedIn = await requireSignedIn(c, kit);
        const user = (await kit.users.getById(String(signedIn.id))) ?? signedIn;
        if (!user.email) throw problems.validation("This account has no email address to verify");
        // Held to the same rule as every other path, so no link goes to an address signup would refuse.
        if (!isEmailAddress(user.email.trim()))
          throw problems.validation("This account's email address is not a valid email address");
        if (user.emailVerified) return c.json({ success: true, alreadyVerified: true });
        await kit.throttle(c, `verify-email:${user.id}`);
        sendLink(c, kit, user);
        return c.json({ success: true });
      });

      const verify = async (c: Context<CovaraEnv>) => {
        await kit.throttle(c, `email-token:${kit.clientIp(c)}`);
        const token = await readToken(c, tokenInput);
        const identifier = await kit.tokens.consume(token, "email-verification");
        const [userId, address] = identifier === null ? [] : identifier.split("\n");
        const user = userId === undefined ? null : await kit.users.getById(userId);
        if (user === null || !user.email || normalizeEmail(user.email) !== address) {
          throw invalidToken("The verification link is invalid, expired or already used");
        }
        await markVerified.call(kit.users, String(user.id));
        if (c.req.method === "GET" && options.successRedirect) return c.redirect(options.successRedirect, 303);
        return c.json({ success: true, verified: true });
      };
      router.get("/verify-email", verify);
      router.post("/verify-email", verify);
    },
    async beforeSignIn(c, user, method, kit) {
      if (sendOnSignup && method === "signup" && user.email && isEmailAddress(user.email.trim()) && !user.emailVerified)
        sendLink(c, kit, user);
      return undefined;
    },
  };
}
