CREATE TABLE IF NOT EXISTS "todos" (
  "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
  "title" text NOT NULL,
  "done" integer NOT NULL DEFAULT 0
);
