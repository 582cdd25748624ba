/**
 * The page shell of every admin page: the navigation, the admin's identity, the stylesheet and
 * script served from the package, and a strict CSP whose only script is the nonce'd one.
 */
import type { Child } from "hono/jsx";
import type { AdminView } from "./view";

/** The pages of the navigation, by slug. */
const NAV: ReadonlyArray<[slug: string, label: string]> = [
  ["", "Overview"],
  ["data", "Data"],
  ["api", "API explorer"],
  ["audit", "Audit log"],
  ["logs", "Requests & errors"],
  ["metrics", "Metrics"],
  ["tasks", "Tasks"],
  ["auth", "Auth"],
];

/** The admin pages' Content-Security-Policy: same origin only, scripts only with the nonce. */
export function adminPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Renders a full admin page with `status`. */
export async function renderPage(
  view: AdminView,
  page: { title: string; active: string; body: Child },
  status: 200 | 400 | 404 | 422 = 200,
): Promise<Response> {
  const { base } = view.services;
  const document = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${page.title} · covara admin`}</title>
        <link rel="stylesheet" href={view.assets.styles} />
        <script src={view.assets.script} nonce={view.nonce} defer />
      </head>
      <body>
        <nav class="side" aria-label="Admin">
          <div class="brand">
            covara<small>admin</small>
          </div>
          {NAV.map(([slug, label]) => (
            <a
              key={slug}
              href={slug === "" ? base : `${base}/${slug}`}
              aria-current={page.active === slug ? "page" : undefined}
            >
              {label}
            </a>
          ))}
          <div class="who">Signed in as {view.admin.id}</div>
        </nav>
        <main>{page.body}</main>
      </body>
    </html>
  );
  view.c.header("content-security-policy", adminPolicy(view.nonce));
  view.c.header("cache-control", "no-store");
  return view.c.html(`<!doctype html>${await document.toString()}`, status);
}
