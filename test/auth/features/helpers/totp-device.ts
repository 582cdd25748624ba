/**
 * An authenticator app for tests: it holds the enrolled secret and hands out codes for steps the
 * server has not seen yet (a real app would make the user wait for the next step instead).
 */
import { base32Decode } from "../../../../src/auth/features/mfa/base32";
import { hotp, totpStep } from "../../../../src/auth/features/mfa/totp";

export class TotpDevice {
  private lastStep = Number.NEGATIVE_INFINITY;

  constructor(
    readonly secret: string,
    private readonly window = 1,
  ) {}

  /** The code for the current step. */
  current(): Promise<string> {
    return hotp(base32Decode(this.secret)!, totpStep(Date.now()));
  }

  /**
   * A code for the earliest unused step from now on. Never an earlier step: if the clock ticks
   * into the next step before the server checks, the code is still inside its window.
   */
  async next(): Promise<string> {
    const now = totpStep(Date.now());
    const step = Math.max(now, this.lastStep + 1);
    if (step > now + this.window) throw new Error("no unused step left in the window; widen it in the test");
    this.lastStep = step;
    return hotp(base32Decode(this.secret)!, step);
  }
}
