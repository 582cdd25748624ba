/** The covara app: each table of the schema served as a REST resource under /api. */
import { createCovara } from "covara";
import { db } from "./db";
import { todos } from "./schema";

const OPEN = { read: true, create: true, update: true, delete: true };

export const app = createCovara({ cors: true })
  // Open to everyone while you build: replace `public` with per-user scopes before you ship.
  .resource("/todos", todos, { id: todos.id, db, auth: { public: OPEN } })
  // `covara generate resource <name>` adds its `.resource(...)` line above this comment.
  ;

export default app;
