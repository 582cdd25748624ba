/**
 * The Resend adapter against a local server speaking Resend's wire format, with the official
 * `resend` SDK as the oracle: both send the same messages to the same server, and our requests
 * must match the SDK's in method, path, the headers that matter and the JSON body. Then the
 * failure paths: 4xx, 5xx, a non-JSON answer, a timeout, no server, and partial batch failures.
 */
import { Resend } from "resend";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createResendAdapter, EmailProviderError, sendEmail, sendEmailBatch, type EmailMessage } from "../../src/email";
import { startRecordingServer, type RecordedRequest, type RecordingServer } from "./recording-server";

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.answer(() => ({ body: { id: "msg_1" } }));
});

const API_KEY = "re_test_123";
const adapter = () => createResendAdapter({ apiKey: API_KEY, baseUrl: server.url, timeoutMs: 2_000 });
const sdk = () => new Resend(API_KEY, { baseUrl: server.url });

/** The parts of a request that must agree: method, path, auth, content type, batch mode, body. */
function wire(request: RecordedRequest) {
  return {
    method: request.method,
    path: request.path,
    authorization: request.headers.authorization,
    contentType: request.headers["content-type"],
    batchValidation: request.headers["x-batch-validation"],
    body: JSON.parse(request.body),
  };
}

const full: EmailMessage = {
  from: "Acme <no-reply@acme.example>",
  to: ["ada@example.com", "Grace Hopper <grace@example.com>"],
  cc: ["cc@example.com"],
  bcc: ["bcc@example.com"],
  replyTo: ["support@acme.example"],
  subject: "Welcome, Ada — ünïcödé",
  html: "<p>Hello</p>",
  text: "Hello",
  headers: { "X-Entity-Ref-ID": "123" },
};

describe("Resend adapter, with the resend SDK as oracle", () => {
  it("sends one message exactly as the SDK does", async () => {
    await sdk().emails.send({
      from: "Acme <no-reply@acme.example>",
      to: ["ada@example.com", "Grace Hopper <grace@example.com>"],
      cc: ["cc@example.com"],
      bcc: ["bcc@example.com"],
      replyTo: ["support@acme.example"],
      subject: "Welcome, Ada — ünïcödé",
      html: "<p>Hello</p>",
      text: "Hello",
      headers: { "X-Entity-Ref-ID": "123" },
    });
    const sent = await sendEmail(full, { adapter: adapter() });
    expect(sent).toEqual({ id: "msg_1", provider: "resend" });
    const [theirs, ours] = server.requests.map(wire);
    expect(ours).toEqual(theirs);
    expect(ours!.method).toBe("POST");
    expect(ours!.path).toBe("/emails");
    expect(ours!.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it("sends a minimal message exactly as the SDK does (no empty cc/bcc/reply_to keys)", async () => {
    await sdk().emails.send({ from: "no-reply@acme.example", to: ["ada@example.com"], subject: "Hi", text: "Hello" });
    await sendEmail(
      { from: "no-reply@acme.example", to: "ada@example.com", subject: "Hi", text: "Hello" },
      { adapter: adapter() },
    );
    const [theirs, ours] = server.requests.map(wire);
    expect(ours).toEqual(theirs);
  });

  it("sends a batch exactly as the SDK's permissive batch does", async () => {
    server.answer(() => ({ body: { data: [{ id: "a" }, { id: "b" }] } }));
    const messages = [
      { from: "no-reply@acme.example", to: ["ada@example.com"], subject: "One", text: "1" },
      { from: "no-reply@acme.example", to: ["grace@example.com"], subject: "Two", html: "<b>2</b>" },
    ];
    await sdk().batch.send(messages, { batchValidation: "permissive" });
    const result = await sendEmailBatch(messages, { adapter: adapter() });
    const [theirs, ours] = server.requests.map(wire);
    expect(ours).toEqual(theirs);
    expect(ours!.path).toBe("/emails/batch");
    expect(ours!.batchValidation).toBe("permissive");
    expect(result).toMatchObject({ provider: "resend", sent: 2, failed: 0 });
    expect(result.results).toEqual([
      { index: 0, ok: true, id: "a" },
      { index: 1, ok: true, id: "b" },
    ]);
  });
  it("quotes a display name with special characters, so a comma cannot split the address", async () => {
    await sendEmail(
      {
        from: { email: "no-reply@acme.example", name: "Acme, Inc." },
        to: "ada@example.com",
        subject: "Hi",
        text: "Hello",
      },
      { adapter: adapter() },
    );
    expect(JSON.parse(server.requests[0]!.body).from).toBe('"Acme, Inc." <no-reply@acme.example>');
  });
});

describe("Resend batches", () => {
  const message = (i: number): EmailMessage => ({
    from: "no-reply@acme.example",
    to: `user${i}@example.com`,
    subject: `Message ${i}`,
    text: "hi",
  });

  it("cuts 250 messages into batches of 100, 100 and 50, in order", async () => {
    server.answer((request) => ({
      body: { data: JSON.parse(request.body).map((m: { subject: string }) => ({ id: m.subject })) },
    }));
    const result = await sendEmailBatch(
      Array.from({ length: 250 }, (_, i) => message(i)),
      { adapter: adapter() },
    );
    expect(server.requests.map((r) => JSON.parse(r.body).length)).toEqual([100, 100, 50]);
    expect(result.sent).toBe(250);
    expect(result.results.map((item) => (item.ok ? item.id : null))).toEqual(
      Array.from({ length: 250 }, (_, i) => `Message ${i}`),
    );
  });

  it("reports Resend's per-message refusals and keeps the ids of the others in place", async () => {
    server.answer(() => ({
      body: { data: [{ id: "x0" }, { id: "x2" }], errors: [{ index: 1, message: "The `to` field is invalid." }] },
    }));
    const result = await sendEmailBatch([message(0), message(1), message(2)], { adapter: adapter() });
    expect(result).toMatchObject({ sent: 2, failed: 1 });
    expect(result.results[0]).toEqual({ index: 0, ok: true, id: "x0" });
    expect(result.results[2]).toEqual({ index: 2, ok: true, id: "x2" });
    const refused = result.results[1]!;
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error).toBeInstanceOf(EmailProviderError);
      expect((refused.error as EmailProviderError).providerMessage).toBe("The `to` field is invalid.");
    }
  });

  it("fails an invalid message locally without sending it, and sends the rest", async () => {
    server.answer(() => ({ body: { data: [{ id: "ok0" }, { id: "ok2" }] } }));
    const result = await sendEmailBatch([message(0), { ...message(1), to: "not an address" }, message(2)], {
      adapter: adapter(),
    });
    expect(JSON.parse(server.requests[0]!.body)).toHaveLength(2);
    expect(result.results.map((item) => item.ok)).toEqual([true, false, true]);
    const bad = result.results[1]!;
    if (!bad.ok)
      expect(bad.error).toMatchObject({ code: "INVALID_EMAIL", detail: "to[0] is not a valid email address" });
  });

  it("a chunk the provider refuses fails only that chunk's messages", async () => {
    let call = 0;
    server.answer((request) =>
      call++ === 1
        ? { status: 500, body: { statusCode: 500, name: "application_error", message: "boom" } }
        : { body: { data: JSON.parse(request.body).map(() => ({ id: "ok" })) } },
    );
    const result = await sendEmailBatch(
      Array.from({ length: 150 }, (_, i) => message(i)),
      { adapter: adapter() },
    );
    expect(result).toMatchObject({ sent: 100, failed: 50 });
    expect(result.results.slice(100).every((item) => !item.ok && item.error instanceof EmailProviderError)).toBe(true);
  });
});

describe("Resend failures become a typed error naming the provider", () => {
  const msg: EmailMessage = { from: "no-reply@acme.example", to: "ada@example.com", subject: "Hi", text: "Hello" };

  it("a 422 validation error", async () => {
    server.answer(() => ({
      status: 422,
      body: { statusCode: 422, name: "validation_error", message: "Invalid `from` field." },
    }));
    const error = await sendEmail(msg, { adapter: adapter() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmailProviderError);
    expect(error).toMatchObject({
      provider: "resend",
      failure: "rejected",
      providerStatus: 422,
      providerMessage: "Invalid `from` field.",
      code: "EMAIL_PROVIDER_ERROR",
      status: 502,
    });
    const doc = (error as EmailProviderError).toJSON();
    expect(doc).toMatchObject({
      status: 502,
      code: "EMAIL_PROVIDER_ERROR",
      provider: "resend",
      detail: "resend refused the message (422)",
    });
    // The provider's own message (which may quote addresses) stays in logs, not in the client's document.
    expect(JSON.stringify(doc)).not.toContain("Invalid `from`");
  });

  it("a 500, and a 503 whose body is not JSON", async () => {
    server.answer(() => ({ status: 500, body: { statusCode: 500, name: "internal_server_error", message: "oops" } }));
    await expect(sendEmail(msg, { adapter: adapter() })).rejects.toMatchObject({
      provider: "resend",
      providerStatus: 500,
    });
    server.answer(() => ({ status: 503, body: "<html>Service Unavailable</html>" }));
    await expect(sendEmail(msg, { adapter: adapter() })).rejects.toMatchObject({
      provider: "resend",
      providerStatus: 503,
      providerMessage: "<html>Service Unavailable</html>",
    });
  });

  it("a 200 without an id", async () => {
    server.answer(() => ({ body: { nope: true } }));
    await expect(sendEmail(msg, { adapter: adapter() })).rejects.toMatchObject({
      provider: "resend",
      failure: "rejected",
    });
  });

  it("a timeout", async () => {
    server.answer(() => ({ hang: true }));
    const slow = createResendAdapter({ apiKey: API_KEY, baseUrl: server.url, timeoutMs: 200 });
    await expect(sendEmail(msg, { adapter: slow })).rejects.toMatchObject({
      provider: "resend",
      failure: "timeout",
      detail: "resend did not answer in time",
    });
  });

  it("no server at all", async () => {
    const gone = createResendAdapter({ apiKey: API_KEY, baseUrl: "http://127.0.0.1:1", timeoutMs: 2_000 });
    await expect(sendEmail(msg, { adapter: gone })).rejects.toMatchObject({
      provider: "resend",
      failure: "unreachable",
    });
  });

  it("a missing API key is refused when the adapter is created", () => {
    expect(() => createResendAdapter({ apiKey: "" })).toThrow(/apiKey/);
  });
});
