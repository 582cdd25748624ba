/**
 * How a live endpoint answers a refusal: an HTML error fragment aimed at the region's error slot
 * (`HX-Retarget`), or problem+json when the request asks for JSON.
 */
import type { Context } from "hono";
import { type ProblemDocument, problemResponse } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import { ErrorFragment } from "./fragments";
import { errorsDomId } from "./helpers";

/** True when the request prefers JSON to HTML (`Accept: application/json` or problem+json, without text/html). */
export function wantsJson(c: Context<CovaraEnv>): boolean {
  const accept = (c.req.header("accept") ?? "").toLowerCase();
  return accept.includes("json") && !accept.includes("text/html");
}

/** The answer to a problem: in the region's error slot when the region is known, else swapped nowhere. */
export async function problemAnswer(
  c: Context<CovaraEnv>,
  problem: ProblemDocument,
  regionId: string | null,
): Promise<Response> {
  if (wantsJson(c)) return problemResponse(problem);
  const html = String(await (<ErrorFragment problem={problem} />).toString());
  const headers: Record<string, string> = { "content-type": "text/html; charset=UTF-8" };
  if (regionId === null) headers["hx-reswap"] = "none";
  else {
    headers["hx-retarget"] = `#${errorsDomId(regionId)}`;
    headers["hx-reswap"] = "innerHTML";
  }
  return new Response(html, { status: problem.status, headers });
}

/** A resource endpoint's refusal (problem+json) as this endpoint's answer. */
export async function forwardedProblem(c: Context<CovaraEnv>, response: Response, regionId: string): Promise<Response> {
  const text = await response.text();
  let problem: ProblemDocument;
  try {
    problem = JSON.parse(text) as ProblemDocument;
  } catch {
    problem = {
      type: "about:blank",
      title: response.statusText || "Request failed",
      status: response.status,
      code: "REQUEST_FAILED",
    };
  }
  return problemAnswer(c, problem, regionId);
}
