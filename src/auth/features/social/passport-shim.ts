/**
 * Driving a Passport.js strategy without Express or passport itself. Passport's contract: a
 * strategy has `authenticate(req, options)` and finishes by calling exactly one of `success`,
 * `fail`, `redirect`, `pass` or `error`, which passport adds to an object derived from the strategy.
 * This file does the same over a Hono request and turns that call into a promise.
 */
import type { Context } from "hono";

/** The Express-like request Passport strategies read (query, body, headers, URL parts). */
export interface PassportRequest {
  method: string;
  url: string;
  originalUrl: string;
  path: string;
  protocol: string;
  secure: boolean;
  hostname: string;
  ip: string;
  query: Record<string, string>;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  get(name: string): string | undefined;
  header(name: string): string | undefined;
  connection: { encrypted: boolean };
  socket: { encrypted: boolean };
}

/** The actions passport lends a strategy for the duration of one `authenticate` call. */
export interface PassportActions {
  success(user: unknown, info?: unknown): void;
  fail(challenge?: unknown, status?: number): void;
  redirect(url: string, status?: number): void;
  pass(): void;
  error(error: unknown): void;
}

/** Any object following Passport's Strategy contract (passport-github2, passport-discord, ...). */
export interface PassportStrategyLike {
  name?: string;
  authenticate(
    this: PassportStrategyLike & PassportActions,
    req: PassportRequest,
    options?: Record<string, unknown>,
  ): void;
}

/** How one `authenticate` call ended. */
export type StrategyOutcome =
  | { kind: "success"; user: unknown; info: unknown }
  | { kind: "fail"; challenge: unknown; status: number | undefined }
  | { kind: "redirect"; url: string; status: number }
  | { kind: "pass" }
  | { kind: "error"; error: unknown };

/** Builds the Express-like request a strategy reads from a Hono context. */
export function toPassportRequest(c: Context, ip: string, body: Record<string, unknown> = {}): PassportRequest {
  const url = new URL(c.req.url);
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const secure = url.protocol === "https:";
  const path = url.pathname + url.search;
  const read = (name: string) => headers[name.toLowerCase()];
  return {
    method: c.req.method,
    url: path,
    originalUrl: path,
    path: url.pathname,
    protocol: url.protocol.replace(":", ""),
    secure,
    hostname: url.hostname,
    ip,
    query: Object.fromEntries(url.searchParams),
    body,
    headers,
    get: read,
    header: read,
    connection: { encrypted: secure },
    socket: { encrypted: secure },
  };
}

/**
 * Runs `strategy.authenticate(req, options)` on an object derived from the strategy (as passport
 * does, so the app's strategy object is never mutated), with `overrides` as own properties.
 * Resolves with the first action the strategy takes; later calls are ignored.
 */
export function runStrategy(
  strategy: PassportStrategyLike,
  req: PassportRequest,
  options: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
): Promise<StrategyOutcome> {
  return new Promise<StrategyOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: StrategyOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const actions: PassportActions = {
      success: (user, info) => settle({ kind: "success", user, info }),
      fail: (challenge, status) =>
        settle({ kind: "fail", challenge, status: typeof challenge === "number" ? challenge : status }),
      redirect: (url, status = 302) => settle({ kind: "redirect", url, status }),
      pass: () => settle({ kind: "pass" }),
      error: (error) => settle({ kind: "error", error }),
    };
    const derived = Object.assign(
      Object.create(strategy) as PassportStrategyLike & PassportActions,
      overrides,
      actions,
    );
    try {
      derived.authenticate(req, options);
    } catch (error) {
      settle({ kind: "error", error });
    }
  });
}
