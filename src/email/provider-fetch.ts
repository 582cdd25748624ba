/**
 * One JSON request to a provider's HTTP API with a deadline, turning every way it can fail (an
 * error status, a timeout, no connection, a body that is not JSON) into an `EmailProviderError`
 * naming the provider.
 */
import { EmailProviderError } from "./problems";

export interface ProviderRequest {
  provider: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  timeoutMs: number;
  fetch: typeof fetch;
}

/** POSTs `body` as JSON and returns the parsed JSON answer of a 2xx response. */
export async function postJson(request: ProviderRequest): Promise<unknown> {
  let response: Response;
  try {
    response = await request.fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new EmailProviderError(request.provider, timedOut ? "timeout" : "unreachable", { cause: error });
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new EmailProviderError(request.provider, timedOut ? "timeout" : "unreachable", {
      status: response.status,
      cause: error,
    });
  }
  const parsed = parseJson(text);
  if (!response.ok) {
    throw new EmailProviderError(request.provider, "rejected", {
      status: response.status,
      message: providerMessage(parsed) ?? text.slice(0, 500),
    });
  }
  if (parsed === undefined) {
    throw new EmailProviderError(request.provider, "rejected", {
      status: response.status,
      message: "the answer was not JSON",
    });
  }
  return parsed;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function providerMessage(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const message = (body as { message?: unknown }).message;
  return typeof message === "string" ? message : undefined;
}
