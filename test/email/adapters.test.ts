/**
 * The development adapter (bounded, inspectable) and the Cloudflare Email Service adapter: the
 * message it hands the `send_email` binding, and the binding's errors turned into a typed error.
 * (The binding itself runs in workerd; that test belongs to the Workers harness.)
 */
import { describe, expect, it } from "vitest";
import {
  createCloudflareEmailAdapter,
  createDevelopmentEmailAdapter,
  EmailProviderError,
  sendEmail,
  sendEmailBatch,
  type CloudflareEmailMessage,
  type EmailMessage,
} from "../../src/email";

const base: EmailMessage = { from: "no-reply@acme.example", to: "ada@example.com", subject: "Hi", text: "Hello" };

describe("development adapter", () => {
  it("keeps messages for inspection, newest per recipient, and drops the oldest past its limit", async () => {
    const dev = createDevelopmentEmailAdapter({ limit: 3 });
    for (let i = 0; i < 5; i++)
      await sendEmail(
        { ...base, subject: `Message ${i}`, to: i % 2 === 0 ? "ada@example.com" : "grace@example.com" },
        { adapter: dev },
      );
    expect(dev.messages.map((m) => m.subject)).toEqual(["Message 2", "Message 3", "Message 4"]);
    expect(dev.latest("GRACE@example.com")?.subject).toBe("Message 3");
    expect(dev.latest()?.subject).toBe("Message 4");
    expect(dev.latest("nobody@example.com")).toBeUndefined();
    dev.clear();
    expect(dev.messages).toHaveLength(0);
  });

  it("batches go one by one, each with its own outcome", async () => {
    const dev = createDevelopmentEmailAdapter();
    const result = await sendEmailBatch([base, { ...base, to: "nope" }, base], { adapter: dev });
    expect(result).toMatchObject({ provider: "development", sent: 2, failed: 1 });
    expect(result.results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(dev.messages).toHaveLength(2);
  });

  it("refuses a limit that is not a positive integer", () => {
    expect(() => createDevelopmentEmailAdapter({ limit: 0 })).toThrow(/positive integer/);
  });
});

describe("Cloudflare Email Service adapter", () => {
  function binding(answer: (message: CloudflareEmailMessage) => Promise<{ messageId: string }>) {
    const seen: CloudflareEmailMessage[] = [];
    return {
      seen,
      binding: {
        send(message: CloudflareEmailMessage) {
          seen.push(message);
          return answer(message);
        },
      },
    };
  }

  it("hands the binding its structured message: named sender as { email, name }, lists as arrays", async () => {
    const fake = binding(async () => ({ messageId: "cf-1" }));
    const sent = await sendEmail(
      {
        from: "Acme <no-reply@acme.example>",
        to: ["Ada <ada@example.com>", "grace@example.com"],
        cc: "cc@example.com",
        bcc: "bcc@example.com",
        replyTo: "Support <support@acme.example>",
        subject: "Order confirmed",
        html: "<h1>Confirmed</h1>",
        text: "Confirmed",
        headers: { "List-Unsubscribe": "<https://acme.example/u>" },
      },
      { adapter: createCloudflareEmailAdapter({ binding: fake.binding }) },
    );
    expect(sent).toEqual({ id: "cf-1", provider: "cloudflare" });
    expect(fake.seen).toEqual([
      {
        from: { email: "no-reply@acme.example", name: "Acme" },
        to: ["ada@example.com", "grace@example.com"],
        cc: ["cc@example.com"],
        bcc: ["bcc@example.com"],
        replyTo: { email: "support@acme.example", name: "Support" },
        subject: "Order confirmed",
        html: "<h1>Confirmed</h1>",
        text: "Confirmed",
        headers: { "List-Unsubscribe": "<https://acme.example/u>" },
      },
    ]);
  });

  it("a minimal message carries no empty optional fields", async () => {
    const fake = binding(async () => ({ messageId: "cf-2" }));
    await sendEmail(base, { adapter: createCloudflareEmailAdapter({ binding: fake.binding }) });
    expect(fake.seen[0]).toEqual({
      from: "no-reply@acme.example",
      to: ["ada@example.com"],
      subject: "Hi",
      text: "Hello",
    });
  });

  it("the binding's error (with its code) becomes an EmailProviderError naming cloudflare", async () => {
    const fake = binding(async () => {
      throw Object.assign(new Error("sender not verified"), { code: "E_SENDER_NOT_VERIFIED" });
    });
    const error = await sendEmail(base, { adapter: createCloudflareEmailAdapter({ binding: fake.binding }) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EmailProviderError);
    expect(error).toMatchObject({
      provider: "cloudflare",
      status: 502,
      providerMessage: "E_SENDER_NOT_VERIFIED: sender not verified",
    });
  });

  it("more than one reply-to address is refused (the binding takes one)", async () => {
    const fake = binding(async () => ({ messageId: "x" }));
    await expect(
      sendEmail(
        { ...base, replyTo: ["a@example.com", "b@example.com"] },
        { adapter: createCloudflareEmailAdapter({ binding: fake.binding }) },
      ),
    ).rejects.toMatchObject({ provider: "cloudflare" });
    expect(fake.seen).toHaveLength(0);
  });

  it("refuses a missing binding", () => {
    expect(() => createCloudflareEmailAdapter({ binding: undefined as never })).toThrow(/send_email binding/);
  });
});
