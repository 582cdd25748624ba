/**
 * One JSON request to a provider's HTTP API with a deadline, turning every way it can fail (an
 * error status, a timeout, no connection, a body that is not JSON) into an `EmailProviderError`
 * naming the provider.
 */
import { fetchWithDeadline } from "../kernel/fetch-with-deadline";
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
  const init = { method: "POST", headers: request.headers, body: JSON.stringify(request.body) };
  const result = await fetchWithDeadline(request.fetch, request.url, init, request.timeoutMs);
  if (!result.ok) {
    throw new EmailProviderError(request.provider, result.timedOut ? "timeout" : "unreachable", {
      ...(result.status === null ? {} : { status: result.status }),
      cause: result.cause,
    });
  }
  const { response, text, json } = result;
  if (!response.ok) {
    throw new EmailProviderError(request.provider, "rejected", {
      status: response.status,
      message: providerMessage(json) ?? text.slice(0, 500),
    });
  }
  if (json === undefined) {
    throw new EmailProviderError(request.provider, "rejected", {
      status: response.status,
      message: "the answer was not JSON",
    });
  }
  return json;
}

function providerMessage(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const message = (body as { message?: unknown }).message;
  return typeof message === "string" ? message : undefined;
}
