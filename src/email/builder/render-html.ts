/**
 * Renders blocks to email HTML: nested presentation tables and inline styles (what Outlook, Gmail
 * and Apple Mail all render), one media query that lets the card fill a phone's width, and a
 * bulletproof button (a table cell with the colour, so it shows even where `padding` on links is
 * ignored). Every value goes through the kernel's `escapeHtml`; URLs were checked to be http(s).
 */
import { escapeHtml } from "../../kernel/html";
import type { EmailBlock } from "./blocks";
import type { ResolvedTheme } from "./theme";

/** The full HTML document for `blocks`. */
export function renderHtml(blocks: readonly EmailBlock[], theme: ResolvedTheme, title: string): string {
  const body = blocks
    .filter((block) => block.kind !== "footer")
    .map((block) => renderBlock(block, theme))
    .join("\n");
  const footers = blocks.filter((block): block is Extract<EmailBlock, { kind: "footer" }> => block.kind === "footer");
  const footer = footers
    .map(
      (block) =>
        `<p style="margin:0 0 8px;font-size:13px;line-height:20px;color:${theme.mutedColor}">${multiline(block.text)}</p>`,
    )
    .join("\n");
  const font = escapeHtml(theme.fontFamily);
  return `<!DOCTYPE html>
<html lang="en" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light">
<title>${escapeHtml(title)}</title>
<style>
@media only screen and (max-width: ${theme.width + 40}px) {
  .covara-card { width: 100% !important; }
  .covara-content { padding: 24px 20px !important; }
  .covara-outer { padding: 12px 8px !important; }
}
</style>
</head>
<body style="margin:0;padding:0;width:100%;background-color:${theme.backgroundColor};-webkit-text-size-adjust:100%">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:${theme.backgroundColor}">
<tr><td class="covara-outer" align="center" style="padding:32px 16px">
<table role="presentation" class="covara-card" width="${theme.width}" cellpadding="0" cellspacing="0" border="0" style="width:${theme.width}px;max-width:100%;background-color:${theme.cardColor};border-radius:8px;border-top:4px solid ${theme.brandColor}">
<tr><td class="covara-content" style="padding:40px;font-family:${font};font-size:16px;line-height:24px;color:${theme.textColor}">
${body}
</td></tr>
</table>
${
  footer === ""
    ? ""
    : `<table role="presentation" width="${theme.width}" cellpadding="0" cellspacing="0" border="0" class="covara-card" style="width:${theme.width}px;max-width:100%">
<tr><td style="padding:20px 8px 0;font-family:${font};text-align:center">
${footer}
</td></tr>
</table>`
}
</td></tr>
</table>
</body>
</html>
`;
}

function renderBlock(block: EmailBlock, theme: ResolvedTheme): string {
  switch (block.kind) {
    case "heading":
      return `<h1 style="margin:0 0 16px;font-size:24px;line-height:32px;font-weight:700;color:${theme.textColor}">${escapeHtml(block.text)}</h1>`;
    case "text":
      return `<p style="margin:0 0 16px">${multiline(block.text)}</p>`;
    case "button":
      return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 24px">
<tr><td align="center" bgcolor="${theme.brandColor}" style="border-radius:6px;background-color:${theme.brandColor}">
<a href="${escapeHtml(block.url)}" target="_blank" rel="noopener" style="display:inline-block;padding:12px 24px;font-size:16px;font-weight:600;line-height:24px;color:${theme.buttonTextColor};text-decoration:none;border-radius:6px">${escapeHtml(block.label)}</a>
</td></tr>
</table>`;
    case "code":
      return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 24px">
<tr><td align="center" style="padding:16px;background-color:${theme.backgroundColor};border-radius:6px;font-family:'SFMono-Regular', Menlo, Consolas, monospace;font-size:28px;line-height:36px;font-weight:700;letter-spacing:6px;color:${theme.textColor}">${escapeHtml(block.code)}</td></tr>
</table>`;
    case "divider":
      return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 24px"><tr><td style="border-top:1px solid #e4e4e7;font-size:0;line-height:0">&nbsp;</td></tr></table>`;
    case "image": {
      const width = block.width === undefined ? "" : ` width="${block.width}"`;
      const cssWidth = block.width === undefined ? "width:100%;" : `width:${block.width}px;`;
      return `<img src="${escapeHtml(block.src)}" alt="${escapeHtml(block.alt)}"${width} style="display:block;${cssWidth}max-width:100%;height:auto;border:0;outline:none;text-decoration:none;margin:0 0 16px">`;
    }
    case "list": {
      const tag = block.ordered ? "ol" : "ul";
      const items = block.items.map((item) => `<li style="margin:0 0 8px">${multiline(item)}</li>`).join("");
      return `<${tag} style="margin:0 0 16px;padding:0 0 0 24px">${items}</${tag}>`;
    }
    case "footer":
      return "";
  }
}

/** Escaped text with its line breaks kept. */
function multiline(text: string): string {
  return escapeHtml(text).replace(/\r\n|\r|\n/g, "<br>");
}
