/**
 * Turning a sign-in response into a browser redirect: a link clicked in an email should land on a
 * page, not on JSON, yet keep the cookies the session strategy just set.
 */

/** A 303 to `location` carrying every Set-Cookie of `signedIn`; non-2xx responses pass through. */
export function redirectKeepingCookies(signedIn: Response, location: string): Response {
  if (!signedIn.ok) return signedIn;
  const headers = new Headers({ location });
  for (const cookie of signedIn.headers.getSetCookie()) headers.append("set-cookie", cookie);
  return new Response(null, { status: 303, headers });
}
