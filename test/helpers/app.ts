/**
 * A test app over a test database, with a header-based identity (x-test-user: JSON) standing in
 * for real auth, and a request helper returning status, headers and parsed body.
 */
import { createCovara, type CovaraApp, type ResourceConfig } from "../../src";
import type { TestDatabase } from "./dialects";

type UsersTable = TestDatabase["users"];

/** Everything open to anonymous users unless the test's config says otherwise. */
export const OPEN = { public: { read: true, create: true, update: true, delete: true } } as const;

export function usersApp(t: TestDatabase, config: Partial<ResourceConfig<UsersTable>> = {}): CovaraApp {
  return createCovara({
    authenticate: (c) => {
      const header = c.req.header("x-test-user");
      return header ? JSON.parse(header) : null;
    },
  }).resource("/users", t.users, { id: t.users.id, db: t.db, name: "users", auth: OPEN, ...config });
}

export interface TestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  rawBody?: string;
  user?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Sends one request through `app.request` and parses a JSON or problem+json body. */
export async function send(
  app: { request: CovaraApp["request"] },
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  if (options.user) headers["x-test-user"] = JSON.stringify(options.user);
  const res = await app.request(path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if (/json/.test(res.headers.get("content-type") ?? "") && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Creates users through the API and returns them. */
export async function createUsers(app: CovaraApp, rows: Record<string, unknown>[]): Promise<any[]> {
  const created = [];
  for (const row of rows) {
    const res = await send(app, "POST", "/api/users", { body: row });
    if (res.status !== 201) throw new Error(`seed failed: ${res.status} ${res.text}`);
    created.push(res.body);
  }
  return created;
}

export const people = [
  { name: "Ada", email: "ada@example.com", age: 36, role: "admin", score: 9.5, ownerId: 1 },
  { name: "Bob", email: "bob@example.com", age: 25, role: "user", score: 5, ownerId: 2 },
  { name: "Cy", email: "cy@example.com", age: null, role: "user", score: null, ownerId: 1 },
  { name: "Dee", email: "dee@example.com", age: 41, role: "mod", score: 7.25, ownerId: 2, active: false },
  { name: "eve", email: "eve@example.com", age: 30, role: "admin", score: 8, ownerId: 3 },
];
