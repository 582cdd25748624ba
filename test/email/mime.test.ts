/**
 * The SMTP adapter's MIME text, read back by `mailparser` (an independent parser) for arbitrary
 * input: bodies and subjects in any script survive exactly, the output is 7-bit with short lines,
 * nothing in a subject or name can add a header, and dot-stuffing undoes cleanly.
 */
import fc from "fast-check";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { validateEmailMessage } from "../../src/email";
import { buildMimeMessage, dotStuff, encodeQuotedPrintable } from "../../src/email/smtp/mime";

const base = { from: "no-reply@acme.example", to: "ada@example.com", subject: "Hi", text: "Hello" };

/** One code point from anywhere in Unicode. */
const anyChar = fc.string({ unit: "binary", minLength: 1, maxLength: 1 });
/** Text in any script, with line breaks of every kind. */
const body = fc.string({
  unit: fc.oneof(fc.constantFrom("\n", "\r\n", ".", " ", "=", "\t"), anyChar, fc.constantFrom("é", "✓", "𝄞", "中")),
  maxLength: 300,
});
/** A one-line subject: no control characters. */
const subject = fc
  .string({ unit: fc.oneof(anyChar, fc.constantFrom("é", "✓", "𝄞", " ")), minLength: 1, maxLength: 120 })
  .filter((s) => ![...s].some(isControl) && s.trim() !== "" && s.trim() === s);

function isControl(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029;
}

const normalise = (text: string) => text.replace(/\r\n|\r/g, "\n");

describe("MIME message", () => {
  it("bodies and subjects in any script come back exactly; the text is 7-bit with lines within limits", async () => {
    await fc.assert(
      fc.asyncProperty(body, body, subject, async (text, html, subj) => {
        const email = validateEmailMessage({ ...base, subject: subj, text: `x${text}`, html: `<p>${html}</p>` });
        const raw = buildMimeMessage(email);
        expect([...raw].every((char) => char.charCodeAt(0) < 128)).toBe(true);
        for (const line of raw.split("\r\n")) expect(line.length).toBeLessThanOrEqual(998);
        const parsed = await simpleParser(raw);
        expect(parsed.subject).toBe(subj);
        expect(normalise(parsed.text ?? "")).toBe(normalise(`x${text}`));
        expect(normalise(typeof parsed.html === "string" ? parsed.html : "")).toBe(normalise(`<p>${html}</p>`));
      }),
      { numRuns: 150 },
    );
  });

  it("quoted-printable lines stay within 76 characters", () => {
    fc.assert(
      fc.property(body, (text) => {
        for (const line of encodeQuotedPrintable(text).split("\r\n")) expect(line.length).toBeLessThanOrEqual(76);
      }),
    );
  });

  it("a display name or subject cannot add a header", async () => {
    const email = validateEmailMessage({
      ...base,
      from: { email: "no-reply@acme.example", name: "Acme: Bcc, Inc." },
      subject: "Bcc: victim@example.com",
    });
    const parsed = await simpleParser(buildMimeMessage(email));
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.subject).toBe("Bcc: victim@example.com");
    expect(parsed.from?.value).toEqual([{ address: "no-reply@acme.example", name: "Acme: Bcc, Inc." }]);
  });

  it("dot-stuffing doubles leading dots and ends the data with CRLF.CRLF", () => {
    expect(dotStuff(".a\r\nb\r\n.\r\n..c")).toBe("..a\r\nb\r\n..\r\n...c\r\n.\r\n");
    fc.assert(
      fc.property(body, (text) => {
        const message = normalise(text).replace(/\n/g, "\r\n");
        const stuffed = dotStuff(message);
        expect(stuffed.endsWith("\r\n.\r\n")).toBe(true);
        const unstuffed = stuffed.slice(0, -3).replace(/(^|\r\n)\./g, "$1");
        expect(unstuffed).toBe(message.endsWith("\r\n") ? message : `${message}\r\n`);
      }),
    );
  });
});
