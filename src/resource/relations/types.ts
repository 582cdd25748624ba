/**
 * Relation configuration: how a resource's rows point at rows of another table. Column names are
 * given as Drizzle column objects, so a typo is a type error, not a runtime surprise.
 */
import type { Column, Table } from "drizzle-orm";

interface RelationTarget {
  /** Name of the target resource, whose read scope and masking apply; defaults to the table name. */
  resource?: string;
  /** The target's Drizzle table. */
  schema: Table;
}

/** This row holds the key: `posts.authorId → users.id`. */
export interface BelongsToRelation extends RelationTarget {
  type: "belongsTo";
  /** Column of this table holding the target's key. */
  foreignKey: Column;
  /** Column of the target it points at (usually its primary key). */
  references: Column;
}

/** The target rows hold the key: `comments.postId → posts.id`. */
export interface HasRelation extends RelationTarget {
  type: "hasOne" | "hasMany";
  /** Column of the target table pointing at this table. */
  foreignKey: Column;
  /** Column of this table it points at (usually its primary key). */
  references: Column;
}

/** Rows joined through a junction table: `posts ← post_tags → tags`. */
export interface ManyToManyRelation extends RelationTarget {
  type: "manyToMany";
  /** The junction table. */
  through: Table;
  /** Junction column pointing at this table. */
  foreignKey: Column;
  /** Junction column pointing at the target table. */
  targetForeignKey: Column;
  /** Column of this table the junction points at (default: this table's primary key). */
  references?: Column;
  /** Column of the target the junction points at (default: the target's primary key). */
  targetReferences?: Column;
}

export type RelationConfig = BelongsToRelation | HasRelation | ManyToManyRelation;
export type RelationType = RelationConfig["type"];

/** A relation's options in `include=` (`comments(limit:5,orderBy:-createdAt)`), plus nested includes. */
export interface IncludeRequest {
  name: string;
  limit?: number;
  orderBy?: string;
  select?: string[];
  filter?: string;
  /** Includes of the related rows (`comments.author`). */
  children: IncludeRequest[];
}

/** Bounds on one `include` parameter, so a request cannot ask for an unbounded join plan. */
export interface IncludeLimits {
  /** Deepest nesting (`a.b.c` is 3). */
  maxDepth: number;
  /** Most relations in one include, counting nested ones. */
  maxRelations: number;
  maxLength: number;
}
