/**
 * A minimal browser for provider tests: keeps cookies per host (honouring deletion) and never
 * follows redirects, so each hop can be asserted. Works over `app.request` or real `fetch`.
 */
type Fetcher = (url: string, init: RequestInit) => Promise<Response> | Response;

export class Browser {
  /** Cookies per host (host:port, so two servers on 127.0.0.1 keep theirs apart). */
  readonly jar = new Map<string, Map<string, string>>();

  constructor(private readonly fetcher: Fetcher = (url, init) => fetch(url, init)) {}

  /** The cookies this browser holds for `host`. */
  cookies(host: string): Map<string, string> {
    let cookies = this.jar.get(host);
    if (!cookies) this.jar.set(host, (cookies = new Map()));
    return cookies;
  }

  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = this.cookies(target.host);
    const headers = new Headers(init.headers);
    if (cookies.size > 0) headers.set("cookie", [...cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await this.fetcher(target.toString(), { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const name = pair!.slice(0, pair!.indexOf("="));
      const value = pair!.slice(pair!.indexOf("=") + 1);
      const removed = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || value === "";
      if (removed) cookies.delete(name);
      else cookies.set(name, value);
    }
    return response;
  }

  /** A copy of this browser's cookies (to replay a callback as an attacker who stole them). */
  snapshot(): Map<string, Map<string, string>> {
    return new Map([...this.jar].map(([host, cookies]) => [host, new Map(cookies)]));
  }

  restore(snapshot: Map<string, Map<string, string>>): void {
    this.jar.clear();
    for (const [host, cookies] of snapshot) this.jar.set(host, new Map(cookies));
  }

  get(url: string | URL, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(url, { headers });
  }

  postForm(url: string | URL, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }
}

/** The Location of a redirect response, resolved against the request URL. */
export function locationOf(response: Response, base: string): URL {
  const location = response.headers.get("location");
  if (location === null) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(location, base);
}

/** The value of a hidden form field in an HTML page. */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no hidden field ${name} in the page`);
  return match[1]!;
}

/** The action of the page's (first) form. */
export function formAction(html: string): string {
  const match = /<form method="post" action="([^"]*)"/.exec(html);
  if (!match) throw new Error("no form in the page");
  return match[1]!.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}
