/** The client's `.d.ts`, made from a running app's OpenAPI document (`covara dev`, `covara db types`). */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Fetches the app's OpenAPI document on `port` and writes the types to `target` if they changed; resolves to whether it wrote. */
export async function writeClientTypes(port: number, target: string): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/__covara/openapi.json`);
  if (!response.ok) throw new Error(`GET /__covara/openapi.json answered ${response.status}`);
  // Read the body before loading the generator: a slow import would leave it to the server's idle timeout.
  const document = await response.json();
  const { clientTypesFromOpenApi } = await import("../../server");
  const text = clientTypesFromOpenApi(document);
  if (existsSync(target) && readFileSync(target, "utf8") === text) return false;
  writeFileSync(target, text);
  return true;
}
