/**
 * The Worker: the covara app over D1, built once per isolate on its first request (the D1
 * binding arrives with the request, not at module load).
 */
import { createCovara } from "covara";
import { drizzle } from "drizzle-orm/d1";
import { todos } from "./schema";

export interface Env {
  DB: D1Database;
}

const OPEN = { read: true, create: true, update: true, delete: true };

function createApp(env: Env) {
  return createCovara({ cors: true })
    // Open to everyone while you build: replace `public` with per-user scopes before you ship.
    .resource("/todos", todos, { id: todos.id, db: drizzle(env.DB), auth: { public: OPEN } })
    // `covara generate resource <name>` adds its `.resource(...)` line above this comment.
    ;
}

let app: ReturnType<typeof createApp> | undefined;

export default {
  fetch(request, env, ctx) {
    app ??= createApp(env);
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
