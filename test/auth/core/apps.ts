/**
 * The app the useAuth tests share: useAuth mounted exactly as the README shows (router first,
 * middleware for everything), a route that needs a user, and a stand-in social provider.
 */
import { Hono } from "hono";
import type { CovaraEnv } from "../../../src";
import { requireUser, useAuth, type AuthFeature, type SessionStrategy } from "../../../src/auth";
import { FAST_HASH, memoryUsers, type TestClient } from "./harness";

export const SECRET = "a-test-secret-that-is-at-least-32-bytes-long";

/** A stand-in social provider: a feature whose callback signs in a user it looked up, like fromPassport would. */
export function fakeSocial(): AuthFeature {
  return {
    name: "social-test",
    mount(router, kit) {
      router.get("/social/callback", async (c) => {
        const user = await kit.users.findByEmail!(c.req.query("email") ?? "");
        if (!user) return c.json({ error: "unknown" }, 400);
        return kit.signIn(c, user, "social");
      });
    },
  };
}

/** An app with useAuth over `strategy` and the fake social provider. */
export function appWith(
  strategy: SessionStrategy | undefined,
  users = memoryUsers(),
  extra: Parameters<typeof useAuth>[0] = {},
) {
  const auth = useAuth({ strategy, users, passwordHashing: FAST_HASH, features: [fakeSocial()], ...extra });
  const app = new Hono<CovaraEnv>();
  // Mounted exactly as the README shows: the router first, the middleware for everything.
  app.route("/api/auth", auth.router);
  app.use("*", auth.middleware);
  app.get("/api/whoami", (c) => c.json({ id: requireUser(c).id }));
  return { app, auth, users };
}

/** Signs in through /login and returns how the client proves it afterwards. */
export async function login(client: TestClient, email: string, password: string) {
  const res = await client.send("POST", "/api/auth/login", { body: { email, password } });
  return { res, bearer: res.body?.accessToken as string | undefined };
}
