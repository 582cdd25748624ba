/**
 * The SMTP adapter: one connection per message, or per chunk of a batch, speaking RFC 5321 with EHLO, STARTTLS
 * (required by default), AUTH PLAIN or LOGIN, and a 7-bit MIME message. Credentials are never
 * sent in cleartext unless `allowInsecureAuth` says so (a relay on loopback).
 */
import type { ConnectionOptions } from "node:tls";
import { EmailProviderError } from "../problems";
import type { AdapterBatchOutcome, EmailAdapter, OutgoingEmail } from "../types";
import { SmtpConnection } from "./connection";
import { buildMimeMessage, dotStuff } from "./mime";

export interface SmtpAdapterOptions {
  host: string;
  /** Default 465 when `secure`, else 587. */
  port?: number;
  /** TLS from the first byte (SMTPS, port 465). */
  secure?: boolean;
  /**
   * On a cleartext connection: `required` (default) fails unless the server offers STARTTLS;
   * `opportunistic` upgrades when offered; `never` stays in cleartext (a local relay).
   */
  startTls?: "required" | "opportunistic" | "never";
  auth?: { user: string; pass: string; method?: "PLAIN" | "LOGIN" };
  /** Allow AUTH over a connection that is not encrypted (default false). */
  allowInsecureAuth?: boolean;
  /** TLS settings: a private CA (`ca`), `servername`, `minVersion`, ... (certificates are verified by default). */
  tls?: ConnectionOptions;
  /** The name this client gives in EHLO (default "localhost"). */
  clientName?: string;
  /** Deadline for each step (default 30 s). */
  timeoutMs?: number;
}

const PROVIDER = "smtp";
/** Messages sent over one connection in a batch before it is closed and a new one opened. */
const SMTP_MESSAGES_PER_CONNECTION = 50;
const HOST_NAME =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$/;

/** Creates the SMTP adapter (Node only). */
export function createSmtpAdapter(options: SmtpAdapterOptions): EmailAdapter {
  const settings = checkOptions(options);
  const open = async (): Promise<SmtpConnection> => {
    const connection = await SmtpConnection.open({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      tls: settings.tls,
      timeoutMs: settings.timeoutMs,
    });
    try {
      await handshake(connection, settings);
      return connection;
    } catch (error) {
      connection.close();
      throw error;
    }
  };
  return {
    provider: PROVIDER,
    batchLimit: SMTP_MESSAGES_PER_CONNECTION,
    async send(email) {
      const connection = await open();
      try {
        const id = await transaction(connection, email);
        connection.write("QUIT\r\n");
        return { id };
      } finally {
        connection.close();
      }
    },
    async sendBatch(emails) {
      // One connection and one handshake for the whole chunk; a refused message is reset (RSET)
      // and the next one goes on, a broken connection fails the messages not yet sent.
      const connection = await open();
      const outcomes: AdapterBatchOutcome[] = [];
      try {
        for (const email of emails) {
          if (connection.broken) {
            outcomes.push({ ok: false, error: connection.broken });
            continue;
          }
          try {
            outcomes.push({ ok: true, id: await transaction(connection, email) });
          } catch (error) {
            outcomes.push({ ok: false, error: error instanceof Error ? error : new Error(String(error)) });
            if (!connection.broken) await connection.command("RSET", [250]).catch(() => undefined);
          }
        }
        if (!connection.broken) connection.write("QUIT\r\n");
        return outcomes;
      } finally {
        connection.close();
      }
    },
  };
}

interface Settings extends Required<Omit<SmtpAdapterOptions, "auth" | "port" | "tls">> {
  port: number;
  tls: ConnectionOptions;
  auth: SmtpAdapterOptions["auth"];
}

function checkOptions(options: SmtpAdapterOptions): Settings {
  if (typeof options?.host !== "string" || !HOST_NAME.test(options.host))
    throw new TypeError("covara/email: createSmtpAdapter needs a host name");
  const secure = options.secure === true;
  const port = options.port ?? (secure ? 465 : 587);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new TypeError("covara/email: the SMTP port must be 1–65535");
  const clientName = options.clientName ?? "localhost";
  if (!HOST_NAME.test(clientName))
    throw new TypeError("covara/email: clientName must be a host name or an address literal");
  const startTls = options.startTls ?? "required";
  if (!["required", "opportunistic", "never"].includes(startTls))
    throw new TypeError('covara/email: startTls is "required", "opportunistic" or "never"');
  if (options.auth !== undefined) {
    const { user, pass, method } = options.auth;
    if (typeof user !== "string" || user === "" || typeof pass !== "string" || pass === "")
      throw new TypeError("covara/email: SMTP auth needs a user and a pass");
    if (method !== undefined && method !== "PLAIN" && method !== "LOGIN")
      throw new TypeError('covara/email: SMTP auth method is "PLAIN" or "LOGIN"');
  }
  return {
    host: options.host,
    port,
    secure,
    startTls,
    auth: options.auth,
    allowInsecureAuth: options.allowInsecureAuth === true,
    tls: options.tls ?? {},
    clientName,
    timeoutMs: options.timeoutMs ?? 30_000,
  };
}

/** Greeting, EHLO, STARTTLS and AUTH: everything before the first message. */
async function handshake(connection: SmtpConnection, settings: Settings): Promise<void> {
  await connection.expect([220], "greeting");
  let extensions = await ehlo(connection, settings.clientName);

  if (!connection.encrypted && settings.startTls !== "never") {
    if (extensions.has("STARTTLS")) {
      await connection.command("STARTTLS", [220]);
      await connection.upgrade();
      extensions = await ehlo(connection, settings.clientName);
    } else if (settings.startTls === "required") {
      throw new EmailProviderError(PROVIDER, "rejected", {
        message: 'the server does not offer STARTTLS (set startTls: "never" for a local relay)',
      });
    }
  }

  if (settings.auth)
    await authenticate(connection, extensions, settings.auth, connection.encrypted || settings.allowInsecureAuth);
}

/** One message: MAIL, RCPT, DATA. Answers the server's queue id, or the Message-ID when it names none. */
async function transaction(connection: SmtpConnection, email: OutgoingEmail): Promise<string> {
  const id = crypto.randomUUID();
  await connection.command(`MAIL FROM:<${email.from.email}>`, [250]);
  for (const box of [...email.to, ...email.cc, ...email.bcc])
    await connection.command(`RCPT TO:<${box.email}>`, [250, 251]);
  await connection.command("DATA", [354]);
  connection.write(dotStuff(buildMimeMessage(email, { id })));
  const accepted = await connection.expect([250], "end of data");
  // Servers often name their queue id in the reply ("250 OK: queued as 1A2B3C").
  return /queued as ([\w.-]+)/i.exec(accepted.lines.join(" "))?.[1] ?? id;
}

/** EHLO, answering the extension keywords the server advertised (`STARTTLS`, `AUTH PLAIN LOGIN`, ...). */
async function ehlo(connection: SmtpConnection, clientName: string): Promise<Map<string, string>> {
  const reply = await connection.command(`EHLO ${clientName}`, [250]);
  const extensions = new Map<string, string>();
  for (const line of reply.lines.slice(1)) {
    const [keyword = "", ...rest] = line.trim().split(/\s+/);
    extensions.set(keyword.toUpperCase(), rest.join(" ").toUpperCase());
  }
  return extensions;
}

async function authenticate(
  connection: SmtpConnection,
  extensions: Map<string, string>,
  auth: NonNullable<SmtpAdapterOptions["auth"]>,
  secure: boolean,
): Promise<void> {
  if (!secure)
    throw new EmailProviderError(PROVIDER, "rejected", {
      message: "refusing to send credentials over a connection without TLS (allowInsecureAuth)",
    });
  const offered = (extensions.get("AUTH") ?? "").split(" ");
  const method = auth.method ?? (offered.includes("PLAIN") ? "PLAIN" : offered.includes("LOGIN") ? "LOGIN" : undefined);
  if (method === undefined || !offered.includes(method)) {
    throw new EmailProviderError(PROVIDER, "rejected", {
      message: `the server offers no usable AUTH method (offered: ${offered.join(" ") || "none"})`,
    });
  }
  const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
  if (method === "PLAIN") {
    await connection.command(`AUTH PLAIN ${b64(`\u0000${auth.user}\u0000${auth.pass}`)}`, [235], "AUTH PLAIN");
  } else {
    await connection.command("AUTH LOGIN", [334]);
    await connection.command(b64(auth.user), [334], "AUTH LOGIN user");
    await connection.command(b64(auth.pass), [235], "AUTH LOGIN password");
  }
}
