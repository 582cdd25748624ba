/** The covara app: each table of the schema served as a REST resource under /api. */
import { createCovara } from "covara";
import { db } from "./db";
import { todos } from "./schema";

export const app = createCovara({ cors: true })
  .resource("/todos", todos, { id: todos.id, db })
  // `covara generate resource <name>` adds its `.resource(...)` line above this comment.
  ;

export default app;
