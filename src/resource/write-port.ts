/**
 * The write port: what code outside the resource layer (the data service's unit of work) needs to
 * write through resources in one transaction it owns — the mounted resource of a table, its
 * handle's `writer` (see extension.ts), and the transaction runner every multi-statement write
 * shares (sync on better-sqlite3, async elsewhere, retried on serialization failures).
 */
export { mountedResource } from "./mounted";
export { runTransaction } from "./transaction";
export type { Query, TransactionBody, TransactionBuilders } from "./transaction";
export type { Mutation, MutationFeed, PreparedWrite, ResourceHandle, ResourceWrite, ResourceWriter } from "./extension";
