/** Renders blocks to the plaintext fallback: the same content, readable in a terminal mail client. */
import type { EmailBlock } from "./blocks";

/** The plaintext body for `blocks`. */
export function renderText(blocks: readonly EmailBlock[]): string {
  const parts = blocks.map(textOf);
  return `${parts.filter((part) => part !== "").join("\n\n")}\n`;
}

function textOf(block: EmailBlock): string {
  switch (block.kind) {
    case "heading":
      return `${block.text}\n${"=".repeat(Math.min(block.text.length, 60))}`;
    case "text":
    case "footer":
      return block.text;
    case "button":
      return `${block.label}: ${block.url}`;
    case "code":
      return block.code;
    case "divider":
      return "----------";
    case "image":
      return block.alt === "" ? "" : `[${block.alt}]`;
    case "list":
      return block.items.map((item, index) => `${block.ordered ? `${index + 1}.` : "-"} ${item}`).join("\n");
  }
}
