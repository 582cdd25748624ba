/**
 * The shapes of WebAuthn responses as browsers serialise them (PublicKeyCredential.toJSON()),
 * bounded so an oversized or malformed body is a 400 before any cryptography runs.
 */
import { z } from "zod";
import { emailAddressField } from "../../email-address";

const base64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, "must be base64url");

const credentialEnvelope = {
  id: base64url(1366),
  rawId: base64url(1366),
  type: z.literal("public-key"),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
};

/** The body of POST /passkeys/register/verify. */
export const registrationBody = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  response: z.object({
    ...credentialEnvelope,
    response: z.object({
      clientDataJSON: base64url(8192),
      attestationObject: base64url(48_000),
      authenticatorData: base64url(8192).optional(),
      transports: z.array(z.string().max(32)).max(10).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: base64url(8192).optional(),
    }),
  }),
});

/** The body of POST /passkeys/authenticate/verify. */
export const authenticationBody = z.object({
  response: z.object({
    ...credentialEnvelope,
    response: z.object({
      clientDataJSON: base64url(8192),
      authenticatorData: base64url(8192),
      signature: base64url(2048),
      userHandle: base64url(128).optional(),
    }),
  }),
});

/** The body of POST /passkeys/authenticate/options (empty for discoverable credentials). */
export const authenticationOptionsBody = z.object({ email: emailAddressField.optional() });
