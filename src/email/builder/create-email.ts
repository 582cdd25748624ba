/**
 * `createEmail(theme)`: a fluent builder for transactional email. Each call adds one block;
 * `build()` renders responsive, escaped HTML and a plaintext fallback. Values are checked as they
 * are added (text is a string, URLs are http(s)), so a bad value fails where it was written.
 */
import { invalidEmail } from "../problems";
import type { EmailBlock } from "./blocks";
import { renderHtml } from "./render-html";
import { renderText } from "./render-text";
import { resolveTheme, type EmailTheme, type ResolvedTheme } from "./theme";
import { requireHttpUrl } from "./url";

/** What `build()` returns: pass both to `sendEmail`. */
export interface BuiltEmail {
  html: string;
  text: string;
}

export interface ImageOptions {
  /** Alternative text (shown when images are blocked, and in the plaintext body). */
  alt?: string;
  /** Display width in pixels (default: the card's width). */
  width?: number;
}

/** The fluent builder `createEmail` returns. */
export class EmailBuilder {
  private readonly blocks: EmailBlock[] = [];
  private readonly theme: ResolvedTheme;

  constructor(theme?: EmailTheme) {
    this.theme = resolveTheme(theme);
  }

  /** A heading; the first one is also the document's title. */
  heading(text: string): this {
    return this.add({ kind: "heading", text: requireText(text, "heading") });
  }

  /** A paragraph; line breaks are kept. */
  text(text: string): this {
    return this.add({ kind: "text", text: requireText(text, "text") });
  }

  /** A call-to-action button linking to an http(s) URL. */
  button(label: string, url: string): this {
    return this.add({
      kind: "button",
      label: requireText(label, "button label"),
      url: requireHttpUrl(url, "button url"),
    });
  }

  /** A one-time code, large and spaced out. */
  code(code: string): this {
    return this.add({ kind: "code", code: requireText(code, "code") });
  }

  /** A horizontal rule. */
  divider(): this {
    return this.add({ kind: "divider" });
  }

  /** An image loaded from an http(s) URL. */
  image(src: string, options: ImageOptions = {}): this {
    const alt = options.alt === undefined ? "" : requireString(options.alt, "image alt");
    if (
      options.width !== undefined &&
      (!Number.isInteger(options.width) || options.width < 1 || options.width > 2000)
    ) {
      throw invalidEmail("image width", "image width must be a whole number of pixels from 1 to 2000");
    }
    return this.add({
      kind: "image",
      src: requireHttpUrl(src, "image src"),
      alt,
      ...(options.width === undefined ? {} : { width: options.width }),
    });
  }

  /** A bulleted (or, with `{ ordered: true }`, numbered) list. */
  list(items: readonly string[], options: { ordered?: boolean } = {}): this {
    if (!Array.isArray(items) || items.length === 0) throw invalidEmail("list", "list needs at least one item");
    return this.add({
      kind: "list",
      items: items.map((item, index) => requireText(item, `list item ${index}`)),
      ordered: options.ordered === true,
    });
  }

  /** Small print under the card (why the reader got this, an address, an unsubscribe line). */
  footer(text: string): this {
    return this.add({ kind: "footer", text: requireText(text, "footer") });
  }

  /** Renders the HTML and the plaintext fallback. */
  build(): BuiltEmail {
    if (this.blocks.length === 0) throw invalidEmail("email", "an email needs at least one block");
    const heading = this.blocks.find((block) => block.kind === "heading");
    return {
      html: renderHtml(this.blocks, this.theme, heading?.kind === "heading" ? heading.text : ""),
      text: renderText(this.blocks),
    };
  }

  private add(block: EmailBlock): this {
    this.blocks.push(block);
    return this;
  }
}

/** Starts an email with `theme` (brand colour, fonts, width). */
export function createEmail(theme?: EmailTheme): EmailBuilder {
  return new EmailBuilder(theme);
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== "string") throw invalidEmail(field, `${field} must be a string`);
  return value;
}

function requireText(value: unknown, field: string): string {
  const text = requireString(value, field);
  if (text.trim() === "") throw invalidEmail(field, `${field} may not be empty`);
  return text;
}
