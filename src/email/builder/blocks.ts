/** The blocks an email is made of, in the order the builder added them. Values are raw; rendering escapes them. */

export type EmailBlock =
  | { kind: "heading"; text: string }
  | { kind: "text"; text: string }
  | { kind: "button"; label: string; url: string }
  | { kind: "code"; code: string }
  | { kind: "divider" }
  | { kind: "image"; src: string; alt: string; width?: number }
  | { kind: "list"; items: readonly string[]; ordered: boolean }
  | { kind: "footer"; text: string };
