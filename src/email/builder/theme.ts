/**
 * The builder's theme: colours, font and width, each checked before it reaches a `style`
 * attribute (a colour is a hex colour, a font list holds no `;`, `:` or quotes beyond names), so a
 * theme built from settings cannot inject CSS or markup.
 */
import { invalidEmail } from "../problems";

export interface EmailTheme {
  /** Buttons, links and the accent line (default #4f46e5). */
  brandColor?: string;
  /** Text on buttons (default #ffffff). */
  buttonTextColor?: string;
  /** Body text (default #18181b). */
  textColor?: string;
  /** Secondary text: footers, captions (default #71717a). */
  mutedColor?: string;
  /** Around the card (default #f4f4f5). */
  backgroundColor?: string;
  /** The card (default #ffffff). */
  cardColor?: string;
  /** CSS font stack (default the system stack). */
  fontFamily?: string;
  /** Card width in pixels on wide screens (default 600, 320–800). */
  width?: number;
}

export type ResolvedTheme = Required<EmailTheme>;

const HEX_COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;
const FONT_STACK = /^[A-Za-z0-9 ,'-]{1,200}$/;

const DEFAULTS: ResolvedTheme = {
  brandColor: "#4f46e5",
  buttonTextColor: "#ffffff",
  textColor: "#18181b",
  mutedColor: "#71717a",
  backgroundColor: "#f4f4f5",
  cardColor: "#ffffff",
  fontFamily: "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
  width: 600,
};

/** Fills defaults and checks every value. */
export function resolveTheme(theme: EmailTheme = {}): ResolvedTheme {
  if (typeof theme !== "object" || theme === null) throw invalidEmail("theme", "the theme must be an object");
  const resolved = { ...DEFAULTS, ...withoutUndefined(theme) };
  for (const key of [
    "brandColor",
    "buttonTextColor",
    "textColor",
    "mutedColor",
    "backgroundColor",
    "cardColor",
  ] as const) {
    if (typeof resolved[key] !== "string" || !HEX_COLOR.test(resolved[key]))
      throw invalidEmail(`theme.${key}`, `theme.${key} must be a hex colour such as #4f46e5`);
  }
  if (typeof resolved.fontFamily !== "string" || !FONT_STACK.test(resolved.fontFamily)) {
    throw invalidEmail(
      "theme.fontFamily",
      "theme.fontFamily must be a font list of names, commas, spaces and single quotes",
    );
  }
  if (!Number.isInteger(resolved.width) || resolved.width < 320 || resolved.width > 800) {
    throw invalidEmail("theme.width", "theme.width must be a whole number of pixels from 320 to 800");
  }
  return resolved;
}

function withoutUndefined(theme: EmailTheme): EmailTheme {
  return Object.fromEntries(Object.entries(theme).filter(([, value]) => value !== undefined));
}
