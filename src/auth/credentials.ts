/**
 * The email+password credential provider behind /login and /signup: the app's own callbacks
 * (`login.validateCredentials`, `signup.createUser`) when given, else the built-in path over the
 * user directory (`findByEmail` + `getPasswordHash`, `createUser` + `setPasswordHash`) with scrypt.
 * The built-in login spends the same hashing work whether or not the email exists.
 */
import "./problems";
import { ProblemError } from "../kernel/errors";
import { hashPassword, needsRehash, verifyPasswordOrDecoy, type PasswordHashOptions } from "./passwords";
import type { PasswordPolicy } from "./password-policy";
import type { AuthUser, UserDirectory } from "./types";

export interface LoginOptions {
  /** Returns the user for valid credentials, null otherwise. */
  validateCredentials(email: string, password: string): Promise<AuthUser | null>;
}

export interface SignupOptions {
  /** Creates the account (hash the password with `hashPassword`); throw a ProblemError to refuse. */
  createUser(input: { email: string; password: string; name?: string }): Promise<AuthUser>;
}

export interface CredentialProvider {
  /** Null when no login path is configured. */
  validate: ((email: string, password: string) => Promise<AuthUser | null>) | null;
  /** Null when no signup path is configured. */
  create: ((input: { email: string; password: string; name?: string }) => Promise<AuthUser>) | null;
  policy: PasswordPolicy | null;
}

/** Builds the provider from `useAuth` options. */
export function createCredentialProvider(options: {
  login?: LoginOptions | false;
  signup?: SignupOptions | false;
  users: UserDirectory;
  policy: PasswordPolicy | null;
  hashing: PasswordHashOptions;
}): CredentialProvider {
  const { users, hashing, policy } = options;

  let validate: CredentialProvider["validate"] = null;
  if (options.login) {
    const login = options.login;
    validate = (email, password) => login.validateCredentials(email, password);
  } else if (options.login !== false && users.findByEmail && users.getPasswordHash) {
    const findByEmail = users.findByEmail.bind(users);
    const getPasswordHash = users.getPasswordHash.bind(users);
    validate = async (email, password) => {
      const user = await findByEmail(email);
      const stored = user ? await getPasswordHash(String(user.id)) : null;
      // Unknown email or no password: the decoy hash keeps the timing of a real check.
      const valid = await verifyPasswordOrDecoy(password, stored, hashing);
      if (!valid || !user || !stored) return null;
      if (needsRehash(stored, hashing) && users.setPasswordHash) {
        // Upgrading an old hash is best effort: a failure here must not fail a correct login.
        await hashPassword(password, hashing)
          .then((hash) => users.setPasswordHash!(String(user.id), hash))
          .catch(() => {});
      }
      return user;
    };
  }

  let create: CredentialProvider["create"] = null;
  if (options.signup) {
    const signup = options.signup;
    create = (input) => signup.createUser(input);
  } else if (options.signup !== false && users.createUser && users.setPasswordHash) {
    create = async ({ email, password, name }) => {
      if (users.findByEmail && (await users.findByEmail(email))) {
        throw new ProblemError("conflict", { detail: "An account with this email already exists" });
      }
      const hash = await hashPassword(password, hashing);
      const user = await users.createUser!({ email, name: name ?? null });
      await users.setPasswordHash!(String(user.id), hash);
      return user;
    };
  }

  return { validate, create, policy };
}

/** The one answer to every failed login: it never says whether the email exists. */
export function invalidCredentials(): ProblemError {
  return new ProblemError("invalid-credentials", { detail: "The email or password is incorrect" });
}
