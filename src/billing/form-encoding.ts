/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with nested objects and arrays
 * in bracket notation (`line_items[0][price]=price_1`), brackets left literal and everything else
 * percent-encoded as RFC 3986 asks, keys in insertion order: the bytes Stripe's own client sends.
 */

/** A value a form body may carry; undefined entries are left out. */
export type FormValue = string | number | boolean | null | undefined | FormValue[] | { [key: string]: FormValue };

function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function append(pairs: string[], key: string, value: FormValue): void {
  if (value === undefined) return;
  if (value === null) {
    // Stripe reads an empty value as "unset this field".
    pairs.push(`${key}=`);
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) append(pairs, `${key}[${index}]`, item);
  } else if (typeof value === "object") {
    for (const [name, item] of Object.entries(value)) append(pairs, `${key}[${encode(name)}]`, item);
  } else {
    pairs.push(`${key}=${encode(String(value))}`);
  }
}

/** Encodes an object as Stripe's form body. */
export function encodeStripeForm(data: Record<string, FormValue>): string {
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(data)) append(pairs, encode(name), value);
  return pairs.join("&");
}
