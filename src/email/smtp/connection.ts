/**
 * One SMTP connection over node:net / node:tls: reads replies (multi-line ones included), sends
 * commands, and upgrades to TLS in place for STARTTLS. Every failure (a refused connection, a
 * certificate the client does not trust, a silent server, an unexpected reply) rejects the
 * pending read with an `EmailProviderError` naming SMTP.
 */
import { connect as connectTcp, isIP, type Socket } from "node:net";
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from "node:tls";
import { EmailProviderError } from "../problems";

const PROVIDER = "smtp";

/** One reply: its code and its lines' text. */
export interface SmtpReply {
  code: number;
  lines: string[];
}

export interface SmtpSocketOptions {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (port 465). */
  secure: boolean;
  tls: ConnectionOptions;
  timeoutMs: number;
}

export class SmtpConnection {
  private socket: Socket | TLSSocket;
  private buffer = "";
  private pendingLines: string[] = [];
  private readonly replies: SmtpReply[] = [];
  private waiter: { resolve(reply: SmtpReply): void; reject(error: Error): void } | undefined;
  private failure: EmailProviderError | undefined;

  private constructor(
    socket: Socket | TLSSocket,
    private readonly options: SmtpSocketOptions,
  ) {
    this.socket = socket;
    this.attach(socket);
  }

  /** Connects (with TLS when `secure`) and waits for the connection to be ready, not for the greeting. */
  static async open(options: SmtpSocketOptions): Promise<SmtpConnection> {
    const socket = options.secure
      ? connectTls({ host: options.host, port: options.port, ...serverName(options.host), ...options.tls })
      : connectTcp({ host: options.host, port: options.port });
    const connection = new SmtpConnection(socket, options);
    await connection.ready(socket, options.secure ? "secureConnect" : "connect");
    return connection;
  }

  /** Why the connection can no longer be used (closed, timed out, a malformed reply), if it cannot. */
  get broken(): EmailProviderError | undefined {
    return this.failure;
  }

  /** Whether the connection is encrypted. */
  get encrypted(): boolean {
    return "encrypted" in this.socket && this.socket.encrypted === true;
  }

  /** The next reply from the server. */
  read(): Promise<SmtpReply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Sends one command line and checks its reply's code; `shown` replaces the line in errors (for credentials). */
  async command(line: string, expected: readonly number[], shown = line): Promise<SmtpReply> {
    this.write(`${line}\r\n`);
    return this.expect(expected, shown);
  }

  /** Reads a reply and checks its code. */
  async expect(expected: readonly number[], after: string): Promise<SmtpReply> {
    const reply = await this.read();
    if (!expected.includes(reply.code)) {
      throw new EmailProviderError(PROVIDER, "rejected", {
        status: reply.code,
        message: `${after}: ${reply.code} ${reply.lines.join(" ")}`,
      });
    }
    return reply;
  }

  /** Writes raw data (the message body). */
  write(data: string): void {
    this.socket.write(data);
  }

  /** Switches the connection to TLS after the server accepted STARTTLS. */
  async upgrade(): Promise<void> {
    // Anything the server sent after its STARTTLS reply arrived in cleartext and could have been
    // injected by a man in the middle; a well-behaved server sends nothing before the handshake.
    if (this.buffer !== "" || this.replies.length > 0) {
      throw new EmailProviderError(PROVIDER, "rejected", { message: "the server sent data after accepting STARTTLS" });
    }
    const plain = this.socket;
    this.detach(plain);
    const secure = connectTls({
      socket: plain,
      host: this.options.host,
      ...serverName(this.options.host),
      ...this.options.tls,
    });
    this.socket = secure;
    this.attach(secure);
    await this.ready(secure, "secureConnect");
  }

  /** Ends the connection (after QUIT, or on failure). */
  close(): void {
    this.socket.destroy();
  }

  private ready(socket: Socket | TLSSocket, event: "connect" | "secureConnect"): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const done = () => {
        socket.off(event, done);
        this.onFailure = previous;
        resolve();
      };
      const previous = this.onFailure;
      this.onFailure = (error) => {
        socket.off(event, done);
        this.onFailure = previous;
        reject(error);
      };
      socket.once(event, done);
    });
  }

  /** Called with the first failure, while something waits for the connection to be ready. */
  private onFailure: ((error: Error) => void) | undefined;

  private readonly handleData = (chunk: Buffer) => {
    // Replies are ASCII; latin1 keeps any stray byte one character.
    this.buffer += chunk.toString("latin1");
    let end = this.buffer.indexOf("\r\n");
    while (end !== -1) {
      this.handleLine(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
      end = this.buffer.indexOf("\r\n");
    }
    if (this.buffer.length > 64 * 1024)
      this.fail(new EmailProviderError(PROVIDER, "rejected", { message: "reply line too long" }));
  };

  private handleLine(line: string): void {
    const match = /^(\d{3})([ -])?(.*)$/.exec(line);
    if (!match) {
      this.fail(new EmailProviderError(PROVIDER, "rejected", { message: `malformed reply: ${line.slice(0, 200)}` }));
      return;
    }
    this.pendingLines.push(match[3] ?? "");
    if (match[2] === "-") return;
    const reply: SmtpReply = { code: Number(match[1]), lines: this.pendingLines };
    this.pendingLines = [];
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter.resolve(reply);
    else this.replies.push(reply);
  }

  private readonly handleError = (error: Error) => {
    const code = (error as { code?: unknown }).code;
    const refused =
      typeof code === "string" && /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|EAI_AGAIN)$/.test(code);
    this.fail(
      new EmailProviderError(PROVIDER, refused ? "unreachable" : "rejected", { message: error.message, cause: error }),
    );
  };

  private readonly handleClose = () => {
    this.fail(new EmailProviderError(PROVIDER, "unreachable", { message: "the server closed the connection" }));
  };

  private readonly handleTimeout = () => {
    this.fail(
      new EmailProviderError(PROVIDER, "timeout", { message: `no answer within ${this.options.timeoutMs} ms` }),
    );
    this.socket.destroy();
  };

  private fail(error: EmailProviderError): void {
    if (this.failure) return;
    this.failure = error;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
    this.onFailure?.(error);
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on("data", this.handleData);
    socket.on("error", this.handleError);
    socket.on("close", this.handleClose);
    socket.on("timeout", this.handleTimeout);
    socket.setTimeout(this.options.timeoutMs);
  }

  private detach(socket: Socket | TLSSocket): void {
    socket.off("data", this.handleData);
    socket.off("error", this.handleError);
    socket.off("close", this.handleClose);
    socket.off("timeout", this.handleTimeout);
    socket.setTimeout(0);
  }
}

/** SNI for a host name; an IP address is checked against the certificate without SNI (TLS forbids IPs there). */
function serverName(host: string): { servername?: string } {
  return isIP(host.replace(/^\[|\]$/g, "")) === 0 ? { servername: host } : {};
}
