/**
 * What `sendEmail` refuses before any provider sees a message: bad addresses (the kernel's one
 * rule, shared with auth), header injection through the subject, names or custom headers, missing
 * parts, too many recipients; and sending with no adapter configured.
 */
import { afterEach, describe, expect, it } from "vitest";
import { isEmailAddress as authRule } from "../../src/auth";
import {
  createDevelopmentEmailAdapter,
  getGlobalEmail,
  sendEmail,
  setGlobalEmail,
  validateEmailMessage,
  type EmailMessage,
} from "../../src/email";

const base: EmailMessage = { from: "no-reply@acme.example", to: "ada@example.com", subject: "Hi", text: "Hello" };

function refusal(message: EmailMessage, defaultFrom?: string) {
  try {
    validateEmailMessage(message, defaultFrom);
  } catch (error) {
    return error as { code: string; status: number; detail: string; extensions: { field: string } };
  }
  throw new Error("expected a refusal");
}

describe("validateEmailMessage", () => {
  it("normalises addresses in every accepted form", () => {
    const email = validateEmailMessage({
      ...base,
      from: { email: "no-reply@acme.example", name: "Acme, Inc." },
      to: ["Ada Lovelace <ada@example.com>", " grace@example.com "],
      replyTo: "Support <support@acme.example>",
    });
    expect(email.from).toEqual({ email: "no-reply@acme.example", name: "Acme, Inc." });
    expect(email.to).toEqual([{ email: "ada@example.com", name: "Ada Lovelace" }, { email: "grace@example.com" }]);
    expect(email.replyTo).toEqual([{ email: "support@acme.example", name: "Support" }]);
    expect(email.cc).toEqual([]);
  });

  it("uses the one address rule auth uses", () => {
    for (const address of [
      "ada@example.com",
      "a.b+tag@sub.example.co",
      "x@xn--bcher-kva.example",
      "bad@",
      "a b@example.com",
      "ada@example",
      "ada@@example.com",
      "ada@example.com\r\nBcc: x@y.z",
    ]) {
      const accepted = (() => {
        try {
          validateEmailMessage({ ...base, to: address });
          return true;
        } catch {
          return false;
        }
      })();
      expect(accepted, address).toBe(authRule(address.trim()));
    }
  });

  it("refuses bad addresses naming the field", () => {
    expect(refusal({ ...base, to: ["ada@example.com", "not-an-address"] })).toMatchObject({
      code: "INVALID_EMAIL",
      status: 400,
      detail: "to[1] is not a valid email address",
      extensions: { field: "to[1]" },
    });
    expect(refusal({ ...base, cc: "x@" }).detail).toBe("cc[0] is not a valid email address");
    expect(refusal({ ...base, to: [] }).detail).toBe("to needs at least one address");
    expect(refusal({ ...base, from: undefined }).detail).toMatch(/^from is required/);
    expect(validateEmailMessage({ ...base, from: undefined }, "Acme <no-reply@acme.example>").from).toEqual({
      email: "no-reply@acme.example",
      name: "Acme",
    });
  });

  it("refuses CR/LF and control characters in the subject, display names and headers (header injection)", () => {
    expect(refusal({ ...base, subject: "Hi\r\nBcc: victim@example.com" }).detail).toBe(
      "subject may not contain line breaks or control characters",
    );
    expect(refusal({ ...base, subject: "Hi\nthere" }).extensions.field).toBe("subject");
    expect(refusal({ ...base, subject: "Hi\u2028there" }).extensions.field).toBe("subject");
    expect(refusal({ ...base, from: "Acme\r\nBcc: victim@example.com <no-reply@acme.example>" }).detail).toMatch(
      /^from's display name may not contain control characters/,
    );
    expect(refusal({ ...base, to: { email: "ada@example.com", name: 'Evil" <evil@example.com>' } }).detail).toMatch(
      /display name/,
    );
    expect(refusal({ ...base, headers: { "X-Test": "a\r\nBcc: victim@example.com" } }).detail).toBe(
      "header X-Test may not contain line breaks or control characters",
    );
    expect(refusal({ ...base, headers: { "X-Bad Name": "a" } }).detail).toMatch(/not a valid header name/);
    expect(refusal({ ...base, headers: { "Bad\r\nName": "a" } }).detail).toMatch(/not a valid header name/);
    expect(refusal({ ...base, headers: { Bcc: "victim@example.com" } }).detail).toBe(
      "header Bcc is set from the message's own fields",
    );
  });

  it("refuses a message without a subject or body, a too long subject, and too many recipients", () => {
    expect(refusal({ ...base, subject: " " }).detail).toBe("subject is required");
    expect(refusal({ ...base, subject: "x".repeat(901) }).detail).toMatch(/longer than 900/);
    expect(refusal({ ...base, text: undefined }).detail).toBe("a message needs an html or a text body");
    expect(refusal({ ...base, to: Array.from({ length: 51 }, (_, i) => `u${i}@example.com`) }).detail).toMatch(
      /at most 50 recipients/,
    );
  });
});

describe("sendEmail and the global adapter", () => {
  afterEach(() => setGlobalEmail(undefined));

  it("with no adapter: an email-not-configured problem", async () => {
    await expect(sendEmail(base)).rejects.toMatchObject({
      code: "EMAIL_NOT_CONFIGURED",
      status: 500,
      detail: expect.stringMatching(/setGlobalEmail/),
    });
  });

  it("sends through the global adapter with its default sender; an adapter passed per call wins", async () => {
    const global = createDevelopmentEmailAdapter();
    const other = createDevelopmentEmailAdapter();
    setGlobalEmail(global, { from: "Acme <no-reply@acme.example>" });
    expect(getGlobalEmail()?.adapter).toBe(global);
    const sent = await sendEmail({ ...base, from: undefined });
    expect(sent).toEqual({ id: global.messages[0]!.id, provider: "development" });
    expect(global.messages[0]!.from).toEqual({ email: "no-reply@acme.example", name: "Acme" });
    await sendEmail(base, { adapter: other });
    expect(other.messages).toHaveLength(1);
    expect(global.messages).toHaveLength(1);
  });

  it("refuses something that is not an adapter", () => {
    expect(() => setGlobalEmail({} as never)).toThrow(/EmailAdapter/);
  });
});
