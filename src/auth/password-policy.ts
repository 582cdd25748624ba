/**
 * passwordPolicy: checks a candidate password against length bounds, the built-in denylist of
 * common passwords (on by default), optional character-class rules and the user's own details,
 * and reports every failed rule at once — as data, or as a 422 `password-policy` problem.
 */
import "./problems";
import { ProblemError, type ValidationIssue } from "../kernel/errors";
import { builtInDenylist, COMMON_PASSWORD_ROOTS } from "./password-denylist";

/** A rule a password can fail. */
export type PasswordRule =
  | "type"
  | "min-length"
  | "max-length"
  | "denylist"
  | "sequence"
  | "lowercase"
  | "uppercase"
  | "digit"
  | "symbol"
  | "character-classes"
  | "user-input"
  | "custom";

export interface PasswordPolicyFailure {
  rule: PasswordRule;
  message: string;
}

export interface PasswordPolicyResult {
  ok: boolean;
  failures: PasswordPolicyFailure[];
}

/** Details of the account, so a password cannot simply repeat them. */
export interface PasswordContext {
  email?: string | null;
  name?: string | null;
  /** Other words the password must not contain (site name, username, ...). */
  userInputs?: readonly string[];
}

export interface PasswordPolicyOptions {
  /** Minimum length in characters (default 8). */
  minLength?: number;
  /** Maximum length in characters (default 128); also bounds hashing work. */
  maxLength?: number;
  /** true (default): the built-in list of common passwords; false: none; a list: built-in plus these. */
  denylist?: boolean | Iterable<string>;
  /** Reject all-one-character passwords and straight runs such as "abcdefgh" or "87654321" (default true). */
  rejectSequences?: boolean;
  requireLowercase?: boolean;
  requireUppercase?: boolean;
  requireDigit?: boolean;
  requireSymbol?: boolean;
  /** How many of lowercase, uppercase, digit, symbol must appear (default 0). */
  minCharacterClasses?: number;
  /** Reject passwords containing the email's local part, the name, or `userInputs` (default true). */
  rejectUserInputs?: boolean;
  /** A rule of your own: return a message when the password fails it. */
  check?: (password: string, context: PasswordContext) => string | null | undefined;
}

export interface PasswordPolicy {
  readonly options: Readonly<Required<Omit<PasswordPolicyOptions, "denylist" | "check">>>;
  /** Every rule the password fails (none when ok). */
  validate(password: unknown, context?: PasswordContext): PasswordPolicyResult;
  /** Returns the password when it passes; otherwise throws a 422 `password-policy` problem listing the failed rules. */
  assert(password: unknown, context?: PasswordContext): string;
}

const LEET: Record<string, string> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "@": "a",
  $: "s",
  "!": "i",
};
const ROOTS = new Set(COMMON_PASSWORD_ROOTS);

/** Builds a password policy; the defaults follow NIST SP 800-63B (length + denylist, no composition rules). */
export function passwordPolicy(options: PasswordPolicyOptions = {}): PasswordPolicy {
  const settings = {
    minLength: options.minLength ?? 8,
    maxLength: options.maxLength ?? 128,
    rejectSequences: options.rejectSequences ?? true,
    requireLowercase: options.requireLowercase ?? false,
    requireUppercase: options.requireUppercase ?? false,
    requireDigit: options.requireDigit ?? false,
    requireSymbol: options.requireSymbol ?? false,
    minCharacterClasses: options.minCharacterClasses ?? 0,
    rejectUserInputs: options.rejectUserInputs ?? true,
  };
  if (
    !Number.isInteger(settings.minLength) ||
    settings.minLength < 1 ||
    !Number.isInteger(settings.maxLength) ||
    settings.maxLength < settings.minLength
  ) {
    throw new RangeError(
      "passwordPolicy: minLength must be a positive integer and maxLength an integer of at least minLength",
    );
  }
  const denylist = buildDenylist(options.denylist);

  function validate(password: unknown, context: PasswordContext = {}): PasswordPolicyResult {
    const failures: PasswordPolicyFailure[] = [];
    const fail = (rule: PasswordRule, message: string) => failures.push({ rule, message });
    if (typeof password !== "string") {
      fail("type", "Password must be a string");
      return { ok: false, failures };
    }
    // Bound the work before anything walks the string: a megabyte "password" fails on length alone.
    if (password.length > settings.maxLength * 4) {
      fail("max-length", `Password must be at most ${settings.maxLength} characters`);
      return { ok: false, failures };
    }
    const normalized = password.normalize("NFKC");
    const length = Array.from(normalized).length;
    if (length < settings.minLength) fail("min-length", `Password must be at least ${settings.minLength} characters`);
    if (length > settings.maxLength) fail("max-length", `Password must be at most ${settings.maxLength} characters`);
    if (denylist !== null && isDenied(normalized, denylist)) fail("denylist", "Password is too common");
    if (settings.rejectSequences && isSequence(normalized))
      fail("sequence", "Password must not be a repeated character or a straight run");

    const classes = {
      lowercase: /\p{Ll}/u.test(normalized),
      uppercase: /\p{Lu}/u.test(normalized),
      digit: /\p{Nd}/u.test(normalized),
      symbol: /[^\p{L}\p{Nd}]/u.test(normalized),
    };
    if (settings.requireLowercase && !classes.lowercase) fail("lowercase", "Password must contain a lowercase letter");
    if (settings.requireUppercase && !classes.uppercase) fail("uppercase", "Password must contain an uppercase letter");
    if (settings.requireDigit && !classes.digit) fail("digit", "Password must contain a digit");
    if (settings.requireSymbol && !classes.symbol) fail("symbol", "Password must contain a symbol");
    const present = Object.values(classes).filter(Boolean).length;
    if (present < settings.minCharacterClasses) {
      fail(
        "character-classes",
        `Password must mix at least ${settings.minCharacterClasses} of: lowercase, uppercase, digits, symbols`,
      );
    }
    if (settings.rejectUserInputs && containsUserInput(normalized, context)) {
      fail("user-input", "Password must not contain your email, name or other personal details");
    }
    const custom = options.check?.(normalized, context);
    if (typeof custom === "string" && custom.length > 0) fail("custom", custom);
    return { ok: failures.length === 0, failures };
  }

  return {
    options: settings,
    validate,
    assert(password, context) {
      const result = validate(password, context);
      if (!result.ok) throw passwordPolicyProblem(result.failures);
      return password as string;
    },
  };
}

/** The 422 problem for failed rules: `errors` lists each rule (as `code`) with its message. */
export function passwordPolicyProblem(failures: readonly PasswordPolicyFailure[], path = "password"): ProblemError {
  const errors: ValidationIssue[] = failures.map((failure) => ({ path, message: failure.message, code: failure.rule }));
  return new ProblemError("password-policy", {
    detail: failures.map((failure) => failure.message).join("; "),
    extensions: { errors, rules: failures.map((failure) => failure.rule) },
  });
}

function buildDenylist(option: PasswordPolicyOptions["denylist"]): ReadonlySet<string> | null {
  if (option === false) return null;
  if (option === undefined || option === true) return builtInDenylist();
  const set = new Set(builtInDenylist());
  for (const word of option)
    if (typeof word === "string" && word.length > 0) set.add(word.normalize("NFKC").toLowerCase());
  return set;
}

/** A common password as typed, in leetspeak, or a common root with digits and symbols around it. */
function isDenied(password: string, denylist: ReadonlySet<string>): boolean {
  const lower = password.toLowerCase();
  if (denylist.has(lower) || denylist.has(unleet(lower))) return true;
  const core = lower.replace(/^[^\p{L}@$]+/u, "").replace(/[^\p{L}]+$/u, "");
  if (core.length < 3 || core === lower) return false;
  return denylist.has(core) || ROOTS.has(core) || ROOTS.has(unleet(core));
}

function unleet(text: string): string {
  return text.replace(/[013457@$!]/g, (char) => LEET[char] ?? char);
}

/** One character repeated, or a run of consecutive code points up or down ("abcdef", "87654321"). */
function isSequence(password: string): boolean {
  const points = Array.from(password.toLowerCase(), (char) => char.codePointAt(0)!);
  if (points.length < 3) return false;
  const step = points[1]! - points[0]!;
  if (step !== 0 && step !== 1 && step !== -1) return false;
  return points.every((point, i) => i === 0 || point - points[i - 1]! === step);
}

function containsUserInput(password: string, context: PasswordContext): boolean {
  const lower = password.toLowerCase();
  const inputs: string[] = [...(context.userInputs ?? [])];
  if (typeof context.email === "string") inputs.push(context.email.split("@")[0] ?? "", context.email);
  if (typeof context.name === "string") inputs.push(context.name, ...context.name.split(/\s+/));
  return inputs.some((input) => typeof input === "string" && input.length >= 4 && lower.includes(input.toLowerCase()));
}
