/**
 * What every benchmark variant shares: the users table, the seeded data set, the query under test
 * and the SQL of the raw baseline. The data and indexes are created once per run by `run.ts`; each
 * server process then opens the same file read-only.
 *
 * The query: `role=="admin"` in covara's default order (the primary key). SQLite walks the rowid
 * and stops after limit+1 admins (about 10 % of rows are admins, so ~210 rows), a cheap query, so
 * the benchmark measures the HTTP and framework layers more than SQLite. The index on (name) is
 * not used by it; it stays so the table looks like a real one.
 */
import Database from "better-sqlite3";
import { LIMIT, users } from "./users-table";

export { LIMIT, users };

export const ROW_COUNT = 10_000;

/** The request every variant answers, relative to its base URL. */
export const COVARA_PATH = `/api/users?limit=${LIMIT}&filter=${encodeURIComponent(`role=="admin"`)}`;

/**
 * The raw baseline's statement: the same condition, order (covara's default, the primary key) and
 * limit+1 as the others, with the columns aliased to the JS property names Drizzle and covara
 * answer with.
 */
export const RAW_SQL =
  `select id, name, email, age, role, created_at as createdAt from users ` + `where role = ? order by id limit ?`;

const SCHEMA = `
  create table users (
    id integer primary key autoincrement,
    name text not null,
    email text not null,
    age integer,
    role text not null default 'user',
    created_at integer
  );
  create index users_name_idx on users (name);
`;

/** mulberry32: a small, fast, seeded PRNG so every run builds the same table. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  "Ada",
  "Ben",
  "Cleo",
  "Dev",
  "Eli",
  "Fay",
  "Gus",
  "Hana",
  "Ivo",
  "Jun",
  "Kai",
  "Lea",
  "Max",
  "Nia",
  "Oto",
  "Pia",
  "Quin",
  "Rui",
  "Sol",
  "Tea",
  "Uma",
  "Vik",
  "Wes",
  "Xia",
  "Yul",
  "Zoe",
];
const LAST = [
  "Adams",
  "Brown",
  "Costa",
  "Diaz",
  "Evans",
  "Fischer",
  "Garcia",
  "Huang",
  "Ito",
  "Jensen",
  "Kim",
  "Lopez",
  "Moreau",
  "Novak",
  "Okafor",
  "Patel",
  "Quist",
  "Rossi",
  "Silva",
  "Tanaka",
];

/** Roles with admin at ~10%: the query matches ~8% of rows (admins aged 30+). */
function pickRole(r: number): string {
  if (r < 0.1) return "admin";
  if (r < 0.25) return "editor";
  if (r < 0.4) return "viewer";
  return "user";
}

/** Creates the users table with ROW_COUNT deterministic rows in a new SQLite file. */
export function seedDatabase(file: string, seed = 42): void {
  const db = new Database(file);
  try {
    db.pragma("journal_mode = DELETE");
    db.exec(SCHEMA);
    const random = prng(seed);
    const insert = db.prepare("insert into users (name, email, age, role, created_at) values (?, ?, ?, ?, ?)");
    const epoch = Date.UTC(2020, 0, 1);
    db.transaction(() => {
      for (let i = 1; i <= ROW_COUNT; i++) {
        const first = FIRST[Math.floor(random() * FIRST.length)]!;
        const last = LAST[Math.floor(random() * LAST.length)]!;
        // Names repeat (26 × 20 pairs, plus a number), so ordering by name alone is not total:
        // the id tiebreaker matters and every variant has to apply it.
        const name = `${first} ${last} ${Math.floor(random() * 1000)}`;
        const age = random() < 0.02 ? null : 18 + Math.floor(random() * 62);
        const role = pickRole(random());
        const createdAt = epoch + Math.floor(random() * 5 * 365 * 86_400_000);
        insert.run(name, `${first}.${last}.${i}@example.com`.toLowerCase(), age, role, createdAt);
      }
    })();
  } finally {
    db.close();
  }
}

/** Opens the seeded file for serving: read-only, the same settings for every variant. */
export function openDatabase(file: string): Database.Database {
  return new Database(file, { readonly: true, fileMustExist: true });
}
