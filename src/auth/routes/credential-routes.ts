/**
 * POST /login and POST /signup: email+password in, a session out through the kit's one sign-in
 * path. Login is throttled per client IP and answers every failure identically; signup applies
 * the password policy (422) before any account is created.
 */
import type { Hono } from "hono";
import type { CovaraEnv } from "../../kernel/http";
import { invalidCredentials, type CredentialProvider } from "../credentials";
import type { Throttle } from "../../kernel/throttle";
import type { AuthKit } from "../types";
import { readLoginInput, readSignupInput } from "./credentials-input";

/** Mounts /login when a login path is configured. */
export function mountLogin(
  router: Hono<CovaraEnv>,
  kit: AuthKit,
  credentials: CredentialProvider,
  throttle: Throttle,
): void {
  const validate = credentials.validate;
  if (!validate) return;
  router.post("/login", async (c) => {
    const { input } = await readLoginInput(c);
    const attempt = `login:${kit.clientIp(c)}`;
    await throttle.hit(attempt);
    const user = await validate(input.email, input.password);
    if (!user) throw invalidCredentials();
    // Only failures count against the client: a correct password gives its attempt back.
    await throttle.refund(attempt);
    return kit.signIn(c, user, "password");
  });
}

/** Mounts /signup when a signup path is configured. */
export function mountSignup(
  router: Hono<CovaraEnv>,
  kit: AuthKit,
  credentials: CredentialProvider,
  throttle: Throttle,
): void {
  const create = credentials.create;
  if (!create) return;
  router.post("/signup", async (c) => {
    const { input } = await readSignupInput(c);
    await throttle.hit(`signup:${kit.clientIp(c)}`);
    credentials.policy?.assert(input.password, { email: input.email, name: input.name });
    const user = await create({
      email: input.email,
      password: input.password,
      ...(input.name ? { name: input.name } : {}),
    });
    const response = await kit.signIn(c, user, "signup");
    // A created account answers 201, unless a feature answered with something else (e.g. a challenge).
    return response.status === 200 ? new Response(response.body, { status: 201, headers: response.headers }) : response;
  });
}
