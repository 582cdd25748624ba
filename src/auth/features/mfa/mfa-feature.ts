/**
 * `mfa(options)`: TOTP second factor with backup codes. Enrollment is two-step (POST /mfa/enroll
 * creates a disabled secret, POST /mfa/enroll/confirm turns it on with a valid code); with
 * `requireOnLogin`, a user with MFA on who passes the primary credential gets a 401
 * `{ mfaRequired: true, mfaToken }` and finishes at POST /mfa/verify.
 */
import "../../problems";
import type { Context, Hono } from "hono";
import { z } from "zod";
import { ProblemError } from "../../../kernel/errors";
import type { KV } from "../../../kernel/kv";
import type { CovaraEnv } from "../../../kernel/http";
import type { AuthFeature, AuthKit, AuthUser } from "../../types";
import { invalidToken, readBody, requireSignedIn } from "../shared/request";
import { generateBackupCodes, hashBackupCode } from "./backup-codes";
import { acceptTotp, checkSecondFactor, type TotpSettings } from "./code-check";
import { createKVMfaStore, type MfaState, type MfaStore } from "./mfa-store";
import { createPendingSignIn, finishPendingSignIn, readPendingSignIn } from "./pending-sign-in";
import { generateTotpSecret, otpauthUri, type TotpAlgorithm } from "./totp";

export interface MfaOptions {
  /** The issuer shown in authenticator apps (default "Covara"). */
  issuer?: string;
  /** Ask enrolled users for a second factor after their primary credential (default true). */
  requireOnLogin?: boolean;
  /** Where enrollments and backup codes live (default: the auth KV, see `createKVMfaStore`). */
  store?: MfaStore;
  /** Backup codes issued when MFA is turned on (default 10). */
  backupCodeCount?: number;
  /** TOTP parameters; the defaults (SHA1, 6 digits, 30 s, ±1 step) are what every app supports. */
  totp?: { algorithm?: TotpAlgorithm; digits?: number; period?: number; window?: number };
  /** How long an `mfaToken` stays valid (default 5 minutes). */
  challengeTtlMs?: number;
  /** How long an unconfirmed enrollment is kept (default 15 minutes). */
  enrollmentTtlMs?: number;
  /** Sign-in methods that already prove possession and skip the second factor (default ["passkey"]). */
  skipForMethods?: string[];
}

const DEFAULTS = {
  issuer: "Covara",
  backupCodeCount: 10,
  challengeTtlMs: 5 * 60_000,
  enrollmentTtlMs: 15 * 60_000,
  skipForMethods: ["passkey"],
};

const codeBody = z.object({ code: z.string().min(1).max(64) });
const verifyBody = z.object({ mfaToken: z.string().min(1).max(256), code: z.string().min(1).max(64) });

/** Creates the TOTP MFA feature. */
export function mfa(options: MfaOptions = {}): AuthFeature {
  const issuer = options.issuer ?? DEFAULTS.issuer;
  const requireOnLogin = options.requireOnLogin ?? true;
  const backupCodeCount = options.backupCodeCount ?? DEFAULTS.backupCodeCount;
  const challengeTtlMs = options.challengeTtlMs ?? DEFAULTS.challengeTtlMs;
  const enrollmentTtlMs = options.enrollmentTtlMs ?? DEFAULTS.enrollmentTtlMs;
  const skipFor = new Set(options.skipForMethods ?? DEFAULTS.skipForMethods);
  const settings: TotpSettings = {
    algorithm: options.totp?.algorithm ?? "SHA1",
    digits: options.totp?.digits ?? 6,
    period: options.totp?.period ?? 30,
    window: options.totp?.window ?? 1,
  };
  if (
    !["SHA1", "SHA256", "SHA512"].includes(settings.algorithm) ||
    !(settings.digits >= 6 && settings.digits <= 8) ||
    !(settings.period >= 1) ||
    !(Number.isInteger(settings.window) && settings.window >= 0 && settings.window <= 10)
  ) {
    throw new TypeError(
      "mfa: totp needs algorithm SHA1/SHA256/SHA512, digits 6-8, a positive period and an integer window 0-10",
    );
  }
  // One default store per KV, so a feature instance mounted in two apps keeps their data apart.
  const defaultStores = new WeakMap<KV, MfaStore>();
  const storeFor = (kit: AuthKit): MfaStore => {
    if (options.store) return options.store;
    let store = defaultStores.get(kit.kv);
    if (!store) defaultStores.set(kit.kv, (store = createKVMfaStore(kit.kv)));
    return store;
  };

  /** The user's enabled enrollment, or a 409 when MFA is not on. */
  async function enabledState(kit: AuthKit, userId: string): Promise<MfaState> {
    const state = await storeFor(kit).get(userId);
    if (!state?.enabled) throw new ProblemError("conflict", { detail: "MFA is not enabled for this account" });
    return state;
  }

  /** Checks a TOTP or backup code for a user, counting the attempt; 401 `invalid-code` on failure. */
  async function requireCode(
    c: Context<CovaraEnv>,
    kit: AuthKit,
    userId: string,
    state: MfaState,
    code: string,
  ): Promise<void> {
    await kit.throttle(c, `mfa:${userId}`);
    const kind = await checkSecondFactor(kit.kv, storeFor(kit), userId, state, code, settings);
    if (kind === null)
      throw new ProblemError("invalid-code", { detail: "The code is invalid, expired or already used" });
  }

  async function issueBackupCodes(kit: AuthKit, userId: string): Promise<string[]> {
    const codes = generateBackupCodes(backupCodeCount);
    await storeFor(kit).replaceBackupCodes(userId, await Promise.all(codes.map(hashBackupCode)));
    return codes;
  }

  function mountEnrollment(router: Hono<CovaraEnv>, kit: AuthKit): void {
    router.post("/mfa/enroll", async (c) => {
      const user = await requireSignedIn(c, kit);
      const existing = await storeFor(kit).get(String(user.id));
      if (existing?.enabled)
        throw new ProblemError("conflict", { detail: "MFA is already enabled; disable it before enrolling again" });
      const secret = generateTotpSecret();
      await storeFor(kit).put(
        String(user.id),
        { secret, enabled: false, createdAt: Date.now(), enabledAt: null },
        enrollmentTtlMs,
      );
      const account = user.email ?? String(user.id);
      return c.json({
        secret,
        otpauthUrl: otpauthUri({
          secret,
          issuer,
          account,
          algorithm: settings.algorithm,
          digits: settings.digits,
          period: settings.period,
        }),
        algorithm: settings.algorithm,
        digits: settings.digits,
        period: settings.period,
      });
    });

    const confirm = async (c: Context<CovaraEnv>) => {
      const user = await requireSignedIn(c, kit);
      const { code } = await readBody(c, codeBody);
      const userId = String(user.id);
      const state = await storeFor(kit).get(userId);
      if (state === null)
        throw new ProblemError("not-found", { detail: "No MFA enrollment in progress; POST /mfa/enroll first" });
      if (state.enabled) throw new ProblemError("conflict", { detail: "MFA is already enabled" });
      await kit.throttle(c, `mfa:${userId}`);
      if (!(await acceptTotp(kit.kv, userId, state, code.replace(/\s/g, ""), settings))) {
        throw new ProblemError("invalid-code", { detail: "The code does not match the enrolled secret" });
      }
      await storeFor(kit).put(userId, { ...state, enabled: true, enabledAt: Date.now() });
      return c.json({ enabled: true, backupCodes: await issueBackupCodes(kit, userId) });
    };
    router.post("/mfa/enroll/confirm", confirm);
    router.post("/mfa/enroll/verify", confirm);
  }

  function mountManagement(router: Hono<CovaraEnv>, kit: AuthKit): void {
    router.get("/mfa/status", async (c) => {
      const userId = String((await requireSignedIn(c, kit)).id);
      const state = await storeFor(kit).get(userId);
      return c.json({
        enabled: state?.enabled ?? false,
        pendingEnrollment: state !== null && !state.enabled,
        backupCodesRemaining: state?.enabled ? await storeFor(kit).countBackupCodes(userId) : 0,
      });
    });

    router.post("/mfa/disable", async (c) => {
      const userId = String((await requireSignedIn(c, kit)).id);
      const { code } = await readBody(c, codeBody);
      await requireCode(c, kit, userId, await enabledState(kit, userId), code);
      await storeFor(kit).delete(userId);
      return c.json({ enabled: false });
    });

    router.post("/mfa/backup-codes", async (c) => {
      const userId = String((await requireSignedIn(c, kit)).id);
      const { code } = await readBody(c, codeBody);
      await requireCode(c, kit, userId, await enabledState(kit, userId), code);
      return c.json({ backupCodes: await issueBackupCodes(kit, userId) });
    });
  }

  function mountVerification(router: Hono<CovaraEnv>, kit: AuthKit): void {
    router.post("/mfa/verify", async (c) => {
      const { mfaToken, code } = await readBody(c, verifyBody);
      const pending = await readPendingSignIn(kit.kv, mfaToken);
      if (pending === null) throw invalidToken("The MFA token is invalid, expired or already used");
      const state = await storeFor(kit).get(pending.userId);
      if (!state?.enabled) throw invalidToken("The MFA token is no longer valid");
      await requireCode(c, kit, pending.userId, state, code);
      // Deleting the ticket is the single-use gate: of two racing requests only one gets true.
      if (!(await finishPendingSignIn(kit.kv, mfaToken)))
        throw invalidToken("The MFA token is invalid, expired or already used");
      const user = await kit.users.getById(pending.userId);
      if (user === null) throw invalidToken("The MFA token is no longer valid");
      return kit.completeSignIn(c, user, pending.method);
    });
  }

  return {
    name: "mfa",
    mount(router, kit) {
      mountEnrollment(router, kit);
      mountManagement(router, kit);
      mountVerification(router, kit);
    },
    async beforeSignIn(_c, user: AuthUser, method, kit) {
      if (!requireOnLogin || skipFor.has(method)) return undefined;
      const state = await storeFor(kit).get(String(user.id));
      if (!state?.enabled) return undefined;
      const mfaToken = await createPendingSignIn(kit.kv, { userId: String(user.id), method }, challengeTtlMs);
      return new ProblemError("mfa-required", {
        detail: "Enter a code from your authenticator app or a backup code at POST /mfa/verify",
        extensions: { mfaRequired: true, mfaToken, expiresIn: Math.floor(challengeTtlMs / 1000) },
      }).getResponse();
    },
  };
}
