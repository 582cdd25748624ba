/**
 * covara's settings for this project: where the schema and the app live, where the client types
 * go, and the database profiles `covara dev` and `covara db` connect to (`--profile <name>` or
 * COVARA_DB_PROFILE picks one; without either, DATABASE_URL wins over the default profile).
 */
export default {
  schema: "src/schema.ts",
  app: "src/app.ts",
  clientTypes: "src/covara-types.d.ts",
  migrations: "migrations",
  db: {
    default: "local",
    profiles: {
      local: { url: process.env.DATABASE_URL ?? "__DEFAULT_DB_URL__" },
      // turso: { url: "libsql://<db>-<org>.turso.io", authToken: process.env.TURSO_AUTH_TOKEN },
    },
  },
};
