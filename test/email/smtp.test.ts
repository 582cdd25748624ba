/**
 * The SMTP adapter against a real `smtp-server` on loopback, its messages read back with
 * `mailparser`: STARTTLS with a self-signed certificate the client is told to trust, implicit TLS,
 * AUTH PLAIN and LOGIN, wrong credentials, an untrusted certificate, a server without STARTTLS,
 * a refused recipient, a silent server, dot-stuffing and non-ASCII text surviving the trip.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser, type AddressObject } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EmailProviderError, sendEmail, sendEmailBatch, type EmailMessage } from "../../src/email";
import { createSmtpAdapter, type SmtpAdapterOptions } from "../../src/email/smtp";

interface Received {
  raw: string;
  mailFrom: string;
  rcptTo: string[];
  secure: boolean;
  user: string | undefined;
}

let certDir: string;
let key: string;
let cert: string;
beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), "covara-smtp-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(certDir, "key.pem"),
      "-out",
      join(certDir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  key = readFileSync(join(certDir, "key.pem"), "utf8");
  cert = readFileSync(join(certDir, "cert.pem"), "utf8");
});
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

const servers: SMTPServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** Starts a server on a free loopback port; `received` collects what it accepted. */
async function startSmtp(
  options: SMTPServerOptions = {},
): Promise<{ port: number; received: Received[]; authMethods: string[] }> {
  const received: Received[] = [];
  const authMethods: string[] = [];
  const server = new SMTPServer({
    key,
    cert,
    logger: false,
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, callback) {
      authMethods.push(auth.method);
      if (auth.username === "mailer" && auth.password === "s3cret p@ss") return callback(null, { user: auth.username });
      return callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          raw: Buffer.concat(chunks).toString("utf8"),
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          secure: session.secure,
          user: typeof session.user === "string" ? session.user : undefined,
        });
        callback(null, "OK: queued as ABC123");
      });
    },
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { port: (server.server.address() as AddressInfo).port, received, authMethods };
}

const message: EmailMessage = {
  from: "Ünïcode Sender <sender@acme.example>",
  to: ["Ada Lovelace <ada@example.com>", "grace@example.com"],
  cc: "cc@example.com",
  bcc: "hidden@example.com",
  replyTo: "support@acme.example",
  subject: "Grüße — your code is ready ✓ and this subject is long enough to need more than one encoded word",
  text: `Hello Ada,\n.\n..leading dots survive\n${"é".repeat(120)} a very long line\ntrailing space \nBye`,
  html: `<p>Hello <b>Ada</b> = 1 &amp; ✓</p>\n.\n<p>${"x".repeat(300)}</p>`,
  headers: { "X-Entity-Ref-ID": "ref-42" },
};

function adapterFor(port: number, extra: Partial<SmtpAdapterOptions> = {}) {
  return createSmtpAdapter({
    host: "127.0.0.1",
    port,
    auth: { user: "mailer", pass: "s3cret p@ss" },
    tls: { ca: cert },
    timeoutMs: 5_000,
    ...extra,
  });
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((entry) =>
    entry.value.map((box) => (box.name ? `${box.name} <${box.address}>` : `${box.address}`)),
  );
}

describe("SMTP adapter against smtp-server", () => {
  it("STARTTLS with a trusted self-signed certificate, AUTH PLAIN, and a MIME message mailparser reads back intact", async () => {
    const smtp = await startSmtp();
    const sent = await sendEmail(message, { adapter: adapterFor(smtp.port) });
    expect(sent).toEqual({ id: "ABC123", provider: "smtp" });
    expect(smtp.received).toHaveLength(1);
    const got = smtp.received[0]!;
    expect(got.secure).toBe(true);
    expect(got.user).toBe("mailer");
    expect(smtp.authMethods).toEqual(["PLAIN"]);
    expect(got.mailFrom).toBe("sender@acme.example");
    expect(got.rcptTo).toEqual(["ada@example.com", "grace@example.com", "cc@example.com", "hidden@example.com"]);
    // 7-bit clean on the wire: every byte ASCII, every line within 998 characters.
    expect([...got.raw].every((char) => char.charCodeAt(0) < 128)).toBe(true);
    expect(got.raw.split("\r\n").every((line) => line.length <= 998)).toBe(true);

    const parsed = await simpleParser(got.raw);
    expect(parsed.subject).toBe(message.subject);
    expect(addresses(parsed.from)).toEqual(["Ünïcode Sender <sender@acme.example>"]);
    expect(addresses(parsed.to)).toEqual(["Ada Lovelace <ada@example.com>", "grace@example.com"]);
    expect(addresses(parsed.cc)).toEqual(["cc@example.com"]);
    expect(addresses(parsed.replyTo)).toEqual(["support@acme.example"]);
    expect(parsed.bcc).toBeUndefined();
    expect(got.raw).not.toMatch(/^bcc:/im);
    expect(parsed.headers.get("x-entity-ref-id")).toBe("ref-42");
    expect(parsed.headers.get("content-type")).toMatchObject({ value: "multipart/alternative" });
    expect(parsed.messageId).toMatch(/^<[0-9a-f-]{36}@acme\.example>$/);
    expect(parsed.text).toBe(message.text);
    expect(parsed.html).toBe(message.html);
  });

  it("AUTH LOGIN when asked for, and when the server offers only LOGIN", async () => {
    const smtp = await startSmtp({ authMethods: ["LOGIN"] });
    await sendEmail(message, { adapter: adapterFor(smtp.port) });
    await sendEmail(message, {
      adapter: adapterFor(smtp.port, { auth: { user: "mailer", pass: "s3cret p@ss", method: "LOGIN" } }),
    });
    expect(smtp.authMethods).toEqual(["LOGIN", "LOGIN"]);
    expect(smtp.received).toHaveLength(2);
  });

  it("implicit TLS (SMTPS)", async () => {
    const smtp = await startSmtp({ secure: true });
    await sendEmail(message, { adapter: adapterFor(smtp.port, { secure: true }) });
    expect(smtp.received[0]!.secure).toBe(true);
  });

  it("wrong credentials: an EmailProviderError with the 535, nothing delivered", async () => {
    const smtp = await startSmtp();
    const error = await sendEmail(message, {
      adapter: adapterFor(smtp.port, { auth: { user: "mailer", pass: "wrong" } }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmailProviderError);
    expect(error).toMatchObject({ provider: "smtp", providerStatus: 535, status: 502, code: "EMAIL_PROVIDER_ERROR" });
    // The password is not in the error.
    expect((error as EmailProviderError).providerMessage).not.toContain(
      Buffer.from("\u0000mailer\u0000wrong").toString("base64"),
    );
    expect((error as EmailProviderError).providerMessage).toMatch(/^AUTH PLAIN: 535/);
    expect(smtp.received).toHaveLength(0);
  });

  it("a self-signed certificate the client was not told to trust is refused, nothing delivered", async () => {
    const smtp = await startSmtp();
    const error = await sendEmail(message, { adapter: adapterFor(smtp.port, { tls: {} }) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ provider: "smtp" });
    expect((error as EmailProviderError).providerMessage).toMatch(/self[- ]signed/i);
    expect(smtp.received).toHaveLength(0);
  });

  it("a server without STARTTLS: refused by default, credentials never sent in cleartext, allowed for a local relay", async () => {
    const smtp = await startSmtp({ hideSTARTTLS: true, authOptional: true });
    await expect(sendEmail(message, { adapter: adapterFor(smtp.port) })).rejects.toMatchObject({
      provider: "smtp",
      providerMessage: expect.stringMatching(/STARTTLS/),
    });
    await expect(sendEmail(message, { adapter: adapterFor(smtp.port, { startTls: "never" }) })).rejects.toMatchObject({
      providerMessage: expect.stringMatching(/credentials/),
    });
    expect(smtp.authMethods).toEqual([]);
    await sendEmail(message, {
      adapter: createSmtpAdapter({ host: "127.0.0.1", port: smtp.port, startTls: "never", timeoutMs: 5_000 }),
    });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.secure).toBe(false);
  });

  it("a refused recipient: the 550 reported, nothing delivered", async () => {
    const smtp = await startSmtp({
      onRcptTo(address, _session, callback) {
        if (address.address === "grace@example.com")
          return callback(Object.assign(new Error("No such user"), { responseCode: 550 }));
        callback();
      },
    });
    await expect(sendEmail(message, { adapter: adapterFor(smtp.port) })).rejects.toMatchObject({
      provider: "smtp",
      providerStatus: 550,
    });
    expect(smtp.received).toHaveLength(0);
  });

  it("a batch goes over one connection; a refused message is reset and the others are delivered", async () => {
    const connections: string[] = [];
    const smtp = await startSmtp({
      onConnect(session, callback) {
        connections.push(session.id);
        callback();
      },
      onRcptTo(address, _session, callback) {
        if (address.address === "nobody@example.com")
          return callback(Object.assign(new Error("No such user"), { responseCode: 550 }));
        callback();
      },
    });
    const messages: EmailMessage[] = [
      { ...message, to: "ada@example.com", cc: undefined, bcc: undefined, subject: "one" },
      { ...message, to: "nobody@example.com", cc: undefined, bcc: undefined, subject: "two" },
      { ...message, to: "grace@example.com", cc: undefined, bcc: undefined, subject: "three" },
    ];
    const result = await sendEmailBatch(messages, { adapter: adapterFor(smtp.port) });
    expect(result).toMatchObject({ provider: "smtp", sent: 2, failed: 1 });
    expect(result.results.map((item) => item.ok)).toEqual([true, false, true]);
    const refused = result.results[1]!;
    if (!refused.ok) expect(refused.error).toMatchObject({ provider: "smtp", providerStatus: 550 });
    expect(connections).toHaveLength(1);
    expect(smtp.received.map((r) => r.rcptTo)).toEqual([["ada@example.com"], ["grace@example.com"]]);
    const subjects = await Promise.all(smtp.received.map(async (r) => (await simpleParser(r.raw)).subject));
    expect(subjects).toEqual(["one", "three"]);
  });

  it("a server that never greets: a timeout; no server: unreachable", async () => {
    const silent: TcpServer = createTcpServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      await expect(sendEmail(message, { adapter: adapterFor(port, { timeoutMs: 300 }) })).rejects.toMatchObject({
        provider: "smtp",
        failure: "timeout",
      });
    } finally {
      silent.close();
    }
    await expect(sendEmail(message, { adapter: adapterFor(1) })).rejects.toMatchObject({
      provider: "smtp",
      failure: "unreachable",
    });
  });

  it("header injection is refused before any connection is made", async () => {
    const smtp = await startSmtp();
    await expect(
      sendEmail({ ...message, subject: "Hi\r\nBcc: victim@example.com" }, { adapter: adapterFor(smtp.port) }),
    ).rejects.toMatchObject({ code: "INVALID_EMAIL", status: 400 });
    await expect(
      sendEmail(
        { ...message, headers: { "X-Test": "a\nBcc: victim@example.com" } },
        { adapter: adapterFor(smtp.port) },
      ),
    ).rejects.toMatchObject({ code: "INVALID_EMAIL" });
    expect(smtp.received).toHaveLength(0);
  });

  it("bad options are refused when the adapter is created", () => {
    expect(() => createSmtpAdapter({ host: "" })).toThrow(/host/);
    expect(() => createSmtpAdapter({ host: "mail.example.com", port: 70_000 })).toThrow(/port/);
    expect(() => createSmtpAdapter({ host: "mail.example.com", clientName: "bad name\r\n" })).toThrow(/clientName/);
    expect(() => createSmtpAdapter({ host: "mail.example.com", auth: { user: "u", pass: "" } })).toThrow(/pass/);
  });
});
