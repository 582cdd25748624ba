/**
 * `createEmail`: every value escaped, URLs held to http(s), themes checked, the plaintext fallback
 * carrying the same content, and the HTML rendered in Chromium at desktop and phone widths (the
 * screenshots are written to a temporary folder, printed, and were looked at by eye).
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createEmail, type BuiltEmail } from "../../src/email";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);

const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32" viewBox="0 0 120 32"><rect width="32" height="32" rx="8" fill="#4f46e5"/><text x="42" y="23" font-family="Arial" font-size="20" font-weight="700" fill="#18181b">Acme</text></svg>`;
const HOSTILE = `<script>alert("x")</script>&'"`;

function sample(): BuiltEmail {
  return createEmail({ brandColor: "#4f46e5" })
    .heading("Verify your email")
    .text("Tap the button below to verify your account.\nThe link works for 15 minutes.")
    .button("Verify email", "https://acme.example/verify?token=abc&next=%2Fhome")
    .divider()
    .text("Or enter this code:")
    .code("123456")
    .list(["Works on any device", "Expires in 15 minutes", "Single use"])
    .image("https://acme.example/logo.png", { alt: "Acme", width: 120 })
    .footer("You received this because someone signed up with this address at Acme.")
    .footer("Acme Inc., 1 Main Street, Springfield")
    .build();
}

describe("createEmail", () => {
  it("renders a table layout with inline styles and a plaintext fallback with the same content", () => {
    const { html, text } = sample();
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain('<table role="presentation"');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain("<title>Verify your email</title>");
    expect(html).toContain('href="https://acme.example/verify?token=abc&#38;next=%2Fhome"');
    expect(html).toContain("Tap the button below to verify your account.<br>The link works for 15 minutes.");
    expect(html).toContain(">123456</td>");
    expect(html).toContain('<img src="https://acme.example/logo.png" alt="Acme" width="120"');
    expect(html).toContain("<li");
    expect(text).toBe(
      [
        "Verify your email\n=================",
        "Tap the button below to verify your account.\nThe link works for 15 minutes.",
        "Verify email: https://acme.example/verify?token=abc&next=%2Fhome",
        "----------",
        "Or enter this code:",
        "123456",
        "- Works on any device\n- Expires in 15 minutes\n- Single use",
        "[Acme]",
        "You received this because someone signed up with this address at Acme.",
        "Acme Inc., 1 Main Street, Springfield",
      ].join("\n\n") + "\n",
    );
  });

  it("escapes every value it is given", () => {
    const { html, text } = createEmail()
      .heading(HOSTILE)
      .text(HOSTILE)
      .button(HOSTILE, `https://acme.example/?q="><script>alert(1)</script>`)
      .code(HOSTILE)
      .list([HOSTILE], { ordered: true })
      .image(`https://acme.example/a.png?"onerror="alert(1)`, { alt: HOSTILE })
      .footer(HOSTILE)
      .build();
    expect(html).not.toContain("<script>");
    expect(html).not.toContain('"onerror="');
    expect(html).not.toMatch(/alert\("x"\)/);
    expect(html.match(/&#60;script&#62;alert\(&#34;x&#34;\)&#60;\/script&#62;&#38;&#39;&#34;/g)?.length).toBe(8); // heading, title, text, button, code, list item, alt, footer
    // The plaintext body is not HTML: it carries the text as written.
    expect(text).toContain(HOSTILE);
  });

  it("refuses javascript:, data: and relative URLs with a clear error", () => {
    expect(() => createEmail().button("Click", "javascript:alert(1)")).toThrow(
      "button url must be an http(s) URL; javascript: URLs are refused",
    );
    expect(() => createEmail().button("Click", " JavaScript:alert(1)")).toThrow(/javascript: URLs are refused/);
    expect(() => createEmail().image("data:image/png;base64,AAAA")).toThrow(
      "image src must be an http(s) URL; data: URLs are refused",
    );
    expect(() => createEmail().button("Click", "/relative")).toThrow(/must be an absolute http\(s\) URL/);
    try {
      createEmail().button("Click", "javascript:alert(1)");
    } catch (error) {
      expect(error).toMatchObject({ code: "INVALID_EMAIL", status: 400, extensions: { field: "button url" } });
    }
  });

  it("refuses theme values that could inject CSS or markup, and empty content", () => {
    expect(() => createEmail({ brandColor: "red;background:url(https://evil.example)" })).toThrow(
      /theme.brandColor must be a hex colour/,
    );
    expect(() => createEmail({ textColor: '#000"><script>' })).toThrow(/theme.textColor/);
    expect(() => createEmail({ fontFamily: "Arial; color: red" })).toThrow(/theme.fontFamily/);
    expect(() => createEmail({ width: 10_000 })).toThrow(/theme.width/);
    expect(() => createEmail().heading("")).toThrow("heading may not be empty");
    expect(() => createEmail().list([])).toThrow(/at least one item/);
    expect(() => createEmail().build()).toThrow(/at least one block/);
    expect(() => createEmail().image("https://acme.example/a.png", { width: 0 })).toThrow(/image width/);
  });

  it("themes the button and accent with the brand colour", () => {
    const { html } = createEmail({ brandColor: "#0f766e", buttonTextColor: "#fefefe" })
      .button("Go", "https://acme.example")
      .build();
    expect(html).toContain("background-color:#0f766e");
    expect(html).toContain("color:#fefefe");
    expect(html).toContain("border-top:4px solid #0f766e");
  });
});

describe.skipIf(!hasChromium)("createEmail in Chromium", () => {
  it("renders at desktop and phone widths: the card fits, the button is a button, nothing overflows", async () => {
    const shots = process.env.COVARA_EMAIL_SHOTS ?? mkdtempSync(join(tmpdir(), "covara-email-shots-"));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const { html } = sample();
      for (const [name, width] of [
        ["desktop", 1024],
        ["mobile", 375],
      ] as const) {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        // The image's host does not exist here: answer it with a small logo instead of going out.
        await page.route("https://acme.example/**", (route) =>
          route.fulfill({ status: 200, contentType: "image/svg+xml", body: LOGO_SVG }),
        );
        await page.setContent(html, { waitUntil: "load" });
        const layout = await page.evaluate(() => {
          const card = document.querySelector(".covara-card") as HTMLElement;
          const button = document.querySelector("a[href^='https://acme.example/verify']") as HTMLElement;
          const style = getComputedStyle(button.parentElement as HTMLElement);
          return {
            cardWidth: card.getBoundingClientRect().width,
            scrollWidth: document.documentElement.scrollWidth,
            buttonBackground: style.backgroundColor,
            buttonHeight: button.getBoundingClientRect().height,
          };
        });
        expect(layout.scrollWidth).toBeLessThanOrEqual(width);
        expect(layout.buttonBackground).toBe("rgb(79, 70, 229)");
        expect(layout.buttonHeight).toBeGreaterThanOrEqual(44);
        if (name === "desktop") expect(layout.cardWidth).toBe(600);
        else expect(layout.cardWidth).toBeLessThanOrEqual(375);
        await page.screenshot({ path: join(shots, `email-${name}.png`), fullPage: true });
        await page.close();
      }
      console.log(`email screenshots in ${shots}`);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
