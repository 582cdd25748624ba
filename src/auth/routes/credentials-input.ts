/**
 * Validation of the JSON bodies of /login and /signup: bounded sizes, the right types, and a
 * 400 `validation-error` listing each bad field. Overlong inputs are refused before any hashing.
 */
import type { Context } from "hono";
import { z } from "zod";
import { problems, type ValidationIssue } from "../../kernel/errors";
import { readJsonObject } from "../../kernel/body";
import { emailAddressField } from "../email-address";
import { MAX_AUTH_BODY_BYTES } from "../features/shared/request";

/** Longest password accepted at all; a policy may set a lower maximum for new passwords. */
export const MAX_PASSWORD_LENGTH = 1024;
const MAX_NAME_LENGTH = 200;

// The same address rule as every other path that takes an email.
const email = emailAddressField;

const password = z
  .string({ error: "password must be a string" })
  .min(1, { error: "password is required" })
  .max(MAX_PASSWORD_LENGTH, { error: `password must be at most ${MAX_PASSWORD_LENGTH} characters` });

const loginSchema = z.object({ email, password });
const signupSchema = z.object({
  email,
  password,
  name: z
    .string({ error: "name must be a string" })
    .trim()
    .max(MAX_NAME_LENGTH, { error: `name must be at most ${MAX_NAME_LENGTH} characters` })
    .optional(),
});

export type LoginInput = z.infer<typeof loginSchema>;
export type SignupInput = z.infer<typeof signupSchema>;

function issues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    // A missing field reads as "required", not as a type error about undefined.
    message:
      issue.code === "invalid_type" && issue.input === undefined
        ? `${issue.path.join(".")} is required`
        : issue.message,
    code: issue.code,
  }));
}

async function parse<T>(c: Context, schema: z.ZodType<T>): Promise<{ input: T }> {
  const parsed = schema.safeParse(await readJsonObject(c, MAX_AUTH_BODY_BYTES));
  if (!parsed.success) {
    const errors = issues(parsed.error);
    throw problems.validation(errors.map((e) => e.message).join("; "), errors);
  }
  return { input: parsed.data };
}

/** Reads and validates a /login body. */
export function readLoginInput(c: Context): Promise<{ input: LoginInput }> {
  return parse(c, loginSchema);
}

/** Reads and validates a /signup body. */
export function readSignupInput(c: Context): Promise<{ input: SignupInput }> {
  return parse(c, signupSchema);
}
