/**
 * Redirect-URI matching, component by component: scheme, host, port, normalised path, and query
 * and fragment exactly as registered. Never a prefix or substring match, so
 * `https://app.example.com.evil.net/` or `https://app.example.com/callback/../evil` never pass.
 */

function parse(uri: string): URL | null {
  try {
    return new URL(uri);
  } catch {
    return null;
  }
}

/** True when `requested` names exactly the registered URI `registered`. */
export function redirectUriMatches(registered: string, requested: string): boolean {
  const want = parse(registered);
  const got = parse(requested);
  if (!want || !got) return false;
  // Userinfo in a redirect URI only serves to disguise the real host.
  if (got.username !== "" || got.password !== "") return false;
  return (
    got.protocol === want.protocol &&
    got.hostname === want.hostname &&
    got.port === want.port &&
    got.pathname === want.pathname &&
    got.search === want.search &&
    got.hash === want.hash &&
    // Components alone treat an empty "?" or "#" as absent; the serialised forms must agree too.
    got.href === want.href &&
    // The URL parser removes dot segments; a raw path that had them is refused outright.
    !/\/\.\.?(\/|$)|%2e/i.test(requested.split(/[?#]/)[0]!.replace(/^[a-z]+:\/\/[^/]*/i, ""))
  );
}

/** The registered URI the request names, or undefined. */
export function findRedirectUri(registered: readonly string[], requested: string): string | undefined {
  return registered.find((candidate) => redirectUriMatches(candidate, requested));
}
