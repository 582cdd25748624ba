/** Starter rows: `covara db seed` calls this with the database of the chosen profile. */
import type { db } from "./db";
import { todos } from "./schema";

export default async function seed(database: typeof db): Promise<void> {
  await database.insert(todos).values([{ title: "Read the covara docs" }, { title: "Add a resource: covara generate resource posts" }]);
}
