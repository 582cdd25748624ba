/** covara's settings for this project: the schema, the D1 migrations folder and the client types. */
export default {
  schema: "src/schema.ts",
  app: "src/index.ts",
  clientTypes: "src/covara-types.d.ts",
  migrations: "migrations",
  db: {
    default: "local",
    profiles: {
      // A local SQLite file for `covara db` commands; the Worker itself uses the D1 binding.
      local: { url: "file:./data.db" },
    },
  },
};
