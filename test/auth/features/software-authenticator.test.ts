/**
 * The test authenticator itself, checked straight against @simplewebauthn/server: if these pass,
 * the end-to-end passkey tests exercise real attestation and assertion verification.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";
import { SoftwareAuthenticator } from "./helpers/software-authenticator";

const RP = { rpID: "localhost", rpName: "Covara test", origin: "http://localhost:3000" };

async function registered() {
  const authenticator = new SoftwareAuthenticator(RP.origin);
  const options = await generateRegistrationOptions({
    rpName: RP.rpName,
    rpID: RP.rpID,
    userName: "ada@example.com",
    userID: new TextEncoder().encode("u1"),
  });
  const { response } = await authenticator.create(options);
  const result = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: RP.origin,
    expectedRPID: RP.rpID,
  });
  return { authenticator, result };
}

describe("software authenticator", () => {
  it("produces a 'none' attestation that @simplewebauthn/server verifies", async () => {
    const { result } = await registered();
    expect(result.verified).toBe(true);
    expect(result.registrationInfo?.fmt).toBe("none");
    expect(result.registrationInfo?.credential.counter).toBe(0);
  });

  it("signs assertions that verify, with an increasing counter", async () => {
    const { authenticator, result } = await registered();
    const credential = result.registrationInfo!.credential;
    const options = await generateAuthenticationOptions({ rpID: RP.rpID });
    const response = await authenticator.get(options);
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: RP.origin,
      expectedRPID: RP.rpID,
      credential,
    });
    expect(verified.verified).toBe(true);
    expect(verified.authenticationInfo.newCounter).toBe(1);
  });

  it("an assertion whose counter does not advance is refused", async () => {
    const { authenticator, result } = await registered();
    const credential = { ...result.registrationInfo!.credential, counter: 5 };
    const options = await generateAuthenticationOptions({ rpID: RP.rpID });
    const response = await authenticator.get(options, { counter: 5 });
    await expect(
      verifyAuthenticationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: RP.origin,
        expectedRPID: RP.rpID,
        credential,
      }),
    ).rejects.toThrow(/counter/);
  });

  it("a tampered signature is refused", async () => {
    const { authenticator, result } = await registered();
    const options = await generateAuthenticationOptions({ rpID: RP.rpID });
    const response = await authenticator.get(options);
    const other = await authenticator.get({ ...options, challenge: "b3RoZXI" });
    const forged = { ...response, response: { ...response.response, signature: other.response.signature } };
    const verified = await verifyAuthenticationResponse({
      response: forged,
      expectedChallenge: options.challenge,
      expectedOrigin: RP.origin,
      expectedRPID: RP.rpID,
      credential: result.registrationInfo!.credential,
    }).catch(() => ({ verified: false }));
    expect(verified.verified).toBe(false);
  });
});
