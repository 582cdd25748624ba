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

function createApp(env: Env) {
  return createCovara({ cors: true })
    .resource("/todos", todos, { id: todos.id, db: drizzle(env.DB) })
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
