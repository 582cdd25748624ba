/**
 * The default login, consent and logout pages. Every dynamic value (client name, login_hint,
 * error text, scope names, URLs) goes through `escapeHtml`; the pages load nothing from outside
 * and may not be framed. Apps replace any page with `pages.login` / `pages.consent` / `pages.logout`.
 */
import { escapeHtml } from "../kernel/html";
import type { ConsentPageView, LoginPageView, LogoutPageView } from "./types";

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: "Sign you in with your account",
  profile: "See your name and picture",
  email: "See your email address",
  offline_access: "Stay signed in when you are away",
};

export function describeScope(scope: string): string {
  return SCOPE_DESCRIPTIONS[scope] ?? `Use the "${scope}" permission`;
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;background:#f5f5f7;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002;padding:2rem;width:min(22rem,90vw)}
h1{font-size:1.25rem;margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem}
input{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #ccc;border-radius:6px;font:inherit}
button,.upstream{display:block;width:100%;box-sizing:border-box;margin-top:1rem;padding:.6rem;border:0;border-radius:6px;background:#4f46e5;color:#fff;font:inherit;text-align:center;text-decoration:none;cursor:pointer}
.secondary{background:#e5e7eb;color:#111}.error{color:#b91c1c}ul{padding-left:1.25rem}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

export function loginPage(view: LoginPageView): string {
  const error = view.error ? `<p class="error" role="alert">${escapeHtml(view.error)}</p>` : "";
  const form = view.emailPassword
    ? `<form method="post" action="${escapeHtml(view.action)}">${hidden("csrf", view.csrf)}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(view.loginHint ?? "")}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>`
    : "";
  const upstreams = view.upstreams
    .map(
      (link) =>
        `<a class="upstream secondary" href="${escapeHtml(link.url)}">Continue with ${escapeHtml(link.label)}</a>`,
    )
    .join("");
  return layout("Sign in", `<h1>Sign in to ${escapeHtml(view.clientName)}</h1>${error}${form}${upstreams}`);
}

export function consentPage(view: ConsentPageView): string {
  const scopes = view.scopes.map((scope) => `<li>${escapeHtml(scope.description)}</li>`).join("");
  return layout(
    "Allow access",
    `<h1>${escapeHtml(view.clientName)} wants to</h1><ul>${scopes}</ul><p>Signed in as ${escapeHtml(view.userName)}.</p>
<form method="post" action="${escapeHtml(view.action)}">${hidden("csrf", view.csrf)}
<button type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="deny" class="secondary">Deny</button></form>`,
  );
}

export function logoutPage(view: LogoutPageView): string {
  if (view.done) return layout("Signed out", "<h1>You are signed out</h1>");
  return layout(
    "Sign out",
    `<h1>Sign out?</h1><form method="post" action="${escapeHtml(view.action)}">${hidden("xsrf", view.csrf)}<button type="submit" name="logout" value="yes">Sign out</button></form>`,
  );
}

/** An HTML page response: never cached, never framed, nothing loaded from elsewhere. */
export function htmlResponse(html: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-frame-options": "DENY",
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
      "referrer-policy": "no-referrer",
      ...headers,
    },
  });
}
