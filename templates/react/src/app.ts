/** The covara app: each table of the schema served as a REST resource under /api, and the SPA at /. */
import { createCovara } from "covara";
import { db } from "./db";
import { todos } from "./schema";
import { serveSpa } from "./static";

export const app = createCovara({ cors: true })
  .resource("/todos", todos, { id: todos.id, db })
  // `covara generate resource <name>` adds its `.resource(...)` line above this comment.
  ;

serveSpa(app);

export default app;
