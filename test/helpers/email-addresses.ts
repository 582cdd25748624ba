/**
 * One table of email addresses for every path that takes one: each good address must be accepted
 * everywhere and each bad one refused everywhere, so no path can create an account another refuses.
 */
export const GOOD_ADDRESSES: readonly string[] = [
  "ada@example.com",
  "Ada.Lovelace+notes@mail.example.co.uk",
  "o'brien@example.ie",
  "x_y-z@example-host.org",
  "user@xn--80ak6aa92e.com",
  "a@b.io",
];

export const BAD_ADDRESSES: ReadonlyArray<readonly [string, string]> = [
  ["a NUL", "ada\u0000@example.com"],
  ["an ESC", "ada\u001b[31m@example.com"],
  ["a BEL", "ada\u0007@example.com"],
  ["a DEL", "ada\u007f@example.com"],
  ["a C1 control", "ada\u0085@example.com"],
  ["a trailing NUL", "ada@example.com\u0000"],
  ["angle brackets around it", "<ada@example.com>"],
  ["an angle bracket in the local part", "ada<script>@example.com"],
  ["an angle bracket in the domain", "ada@exa>mple.com"],
  ["a display name", "Ada <ada@example.com>"],
  ["a space inside", "ada lovelace@example.com"],
  ["a tab inside", "ada\t@example.com"],
  ["a comma", "ada,bob@example.com"],
  ["quotes", '"ada"@example.com'],
  ["two @", "ada@@example.com"],
  ["no @", "ada.example.com"],
  ["no top-level domain", "ada@localhost"],
  ["a leading dot", ".ada@example.com"],
  ["a double dot", "ada..b@example.com"],
  ["a hyphen-led domain label", "ada@-example.com"],
  ["an underscore in the domain", "ada@exam_ple.com"],
  ["a non-ASCII letter", "adé@example.com"],
  ["a local part over 64 characters", `${"a".repeat(65)}@example.com`],
];
