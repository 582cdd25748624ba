/**
 * The Cloudflare Email Service adapter against Miniflare's `send_email` binding in workerd, which
 * takes the structured message (from, to, subject, html, text), enforces the binding's allowed
 * senders and recipients, and writes the html and text parts to files it logs.
 */
import { readFileSync } from "node:fs";
import { Log, LogLevel, Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleFixture, COMPATIBILITY } from "./harness";

/** Keeps what the binding logs: the message headers and the files holding its parts. */
class CapturingLog extends Log {
  readonly lines: string[] = [];
  override logWithLevel(level: LogLevel, message: string): void {
    this.lines.push(message);
    if (level <= LogLevel.WARN) super.logWithLevel(level, message);
  }
}

const log = new CapturingLog(LogLevel.INFO);
let mf: Miniflare;

beforeAll(async () => {
  mf = new Miniflare({
    modules: true,
    script: await bundleFixture("email-worker"),
    ...COMPATIBILITY,
    log,
    email: {
      send_email: [
        {
          name: "EMAIL",
          allowed_sender_addresses: ["noreply@example.com"],
          allowed_destination_addresses: ["ada@example.com"],
        },
      ],
    },
  });
  await mf.ready;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
});

async function send(from: string, to: string) {
  const response = await mf.dispatchFetch("http://mail.test/", { method: "POST", body: JSON.stringify({ from, to }) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("Cloudflare Email Service adapter on the send_email binding", () => {
  it("sends the structured message: headers, the html and the text part reach the binding", async () => {
    const { status, json } = await send("noreply@example.com", "ada@example.com");
    expect(status).toBe(200);
    expect(json).toMatchObject({ provider: "cloudflare" });
    const deadline = Date.now() + 5000;
    while (!log.lines.some((line) => line.includes("MessageBuilder")) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const logged = log.lines.find((line) => line.includes("MessageBuilder")) ?? "";
    expect(logged).toContain("From: noreply@example.com");
    expect(logged).toContain("To: ada@example.com");
    expect(logged).toContain("Subject: Verify your email");
    const file = (kind: string) =>
      /(?:^|\n)\s*(\S+): (\S+)/g.exec(
        logged.split("\n").find((line) => line.trimStart().startsWith(`${kind}:`)) ?? "",
      )?.[2] ?? "";
    expect(readFileSync(file("HTML"), "utf8")).toContain("123456");
    expect(readFileSync(file("Text"), "utf8")).toContain("Verify your email");
  });

  it("a sender the binding does not allow is a provider error, not a crash", async () => {
    const { status, json } = await send("intruder@example.com", "ada@example.com");
    expect(status).toBe(502);
    expect(json).toMatchObject({ provider: "cloudflare" });
    expect(String(json.message)).toMatch(/not allowed/);
  });

  it("a recipient the binding does not allow is a provider error", async () => {
    const { status, json } = await send("noreply@example.com", "eve@example.com");
    expect(status).toBe(502);
    expect(String(json.message)).toMatch(/not allowed/);
  });
});
