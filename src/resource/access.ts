/**
 * Per-operation access: who may do what to which rows. Anonymous requests are refused (401) unless
 * `auth.public` opens the operation; an authenticated user gets the operation's resolver scope,
 * widened by the public scope. The resulting scope becomes SQL for queries and an in-memory
 * predicate for rows that are not in the database yet.
 */
import "./problems";
import type { SQL } from "drizzle-orm";
import type { Context } from "hono";
import { ProblemError, problems } from "../kernel/errors";
import { toJson } from "../kernel/json";
import { coerceFilter, compileToSql, evaluateRsql, isRsqlFilter, parseRsql, type RsqlNode } from "../kernel/rsql";
import { allowScope, denyScope, filterScope, orScopes, toScope, type Scope } from "../kernel/scope";
import type { TableInfo } from "./table-info";
import type { ResourceAuthConfig, ResourceOperation } from "./types";
import type { ScopeInput } from "../kernel/scope";
import type { CovaraEnv, CovaraUser } from "../kernel/http";
import type { CovaraContext } from "../kernel/context";

declare module "../kernel/context" {
  interface CovaraContext {
    /**
     * The admin scope bypass: true when the request may skip per-resource auth scopes (it carries
     * the admin-bypass marker and its real user passes the admin predicate, see covara's admin
     * UI). Set only by the admin UI when `createCovara` mounts it; absent, nothing bypasses.
     */
    adminBypass?: (c: Context<CovaraEnv>) => Promise<boolean>;
  }
}

export interface Access {
  user: CovaraUser | null;
  scope: Scope;
  /** The scope as a WHERE condition; undefined when every row is allowed. */
  where: SQL | undefined;
  /** Whether a row (not necessarily stored) lies inside the scope. */
  allows(row: Record<string, unknown>): boolean;
  /**
   * Identifies the scope: equal keys, equal scopes ("allow", or the filter's key). Computed once
   * per distinct scope node by the resource's ScopeCompiler (subscriptions key shared work by it).
   */
  readonly scopeKey: string;
}

/**
 * A scope the app wrote wrongly (unknown field, a value of the wrong type, bad syntax) is a server
 * bug, not the client's: a generic 500 whose `cause` — logged by the error handler, never sent —
 * carries the details.
 */
export function scopeError(cause: unknown, resource: string): ProblemError {
  return new ProblemError("scope-error", {
    detail: "The server could not apply its access rules",
    cause: new Error(
      `covara: an auth scope of resource '${resource}' is invalid: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    ),
  });
}

/** Scopes written as text are parsed once per resource. */
export class ScopeCompiler {
  private readonly parsed = new Map<string, RsqlNode>();
  private readonly compiled = new WeakMap<RsqlNode, SQL>();
  private readonly keys = new WeakMap<RsqlNode, string>();
  /** `app`: the resource's app, whose registered admin bypass (if any) `resolveAccess` asks. */
  constructor(
    private readonly info: TableInfo,
    readonly app?: CovaraContext,
  ) {}

  /**
   * A key that identifies the filter `node`: equal keys, equal filters. Parsed text scopes (tagged
   * `rsql` included) are cached nodes, so their key is serialised once; an AND/OR a resolution
   * builds around them anew (a public scope OR the user's) is keyed from its children's keys.
   */
  keyOf(node: RsqlNode): string {
    let key = this.keys.get(node);
    if (key === undefined) {
      key =
        node.type === "comparison"
          ? toJson(node)
          : `${node.type}(${node.children.map((child) => this.keyOf(child)).join(",")})`;
      this.keys.set(node, key);
    }
    return key;
  }

  /**
   * Normalises a resolver answer; text scopes are parsed against every column (server-side). A
   * malformed scope throws `scope-error` (500), never a client-facing filter error.
   */
  toScope(input: ScopeInput): Scope {
    try {
      return this.normalise(input);
    } catch (error) {
      throw scopeError(error, this.info.name);
    }
  }

  private normalise(input: ScopeInput): Scope {
    const text = typeof input === "string" ? input : isRsqlFilter(input) ? input.text : undefined;
    if (text === undefined) {
      const scope = toScope(input, this.info.operators);
      return scope.kind === "filter"
        ? filterScope(coerceFilter(scope.node, this.info.columns, this.info.operators))
        : scope;
    }
    let node = this.parsed.get(text);
    if (!node) {
      node = coerceFilter(parseRsql(text, { operators: this.info.operators }), this.info.columns, this.info.operators);
      if (this.parsed.size > 1000) this.parsed.clear();
      this.parsed.set(text, node);
    }
    return filterScope(node);
  }

  sql(node: RsqlNode): SQL {
    let where = this.compiled.get(node);
    if (!where) {
      try {
        where = compileToSql(node, {
          fields: this.info.columns,
          dialect: this.info.dialect,
          operators: this.info.operators,
        });
      } catch (error) {
        throw scopeError(error, this.info.name);
      }
      this.compiled.set(node, where);
    }
    return where;
  }
}

const everything: Pick<Access, "scope" | "where" | "allows" | "scopeKey"> = {
  scope: allowScope(),
  where: undefined,
  allows: () => true,
  scopeKey: "allow",
};

/** Resolves what the request's user may do for `operation`; throws 401/403 when nothing. */
export async function resolveAccess(
  operation: ResourceOperation,
  c: Context<CovaraEnv>,
  auth: ResourceAuthConfig | undefined,
  compiler: ScopeCompiler,
  info: TableInfo,
): Promise<Access> {
  const user = c.get("user") ?? null;
  // The admin bypass decides on the request's real identity; a standalone resource has none registered.
  const bypass = compiler.app?.adminBypass;
  if (bypass !== undefined && (await bypass(c))) return { user, ...everything };
  const publicRule = auth?.public?.[operation];
  const resolver = auth?.[operation];
  // Resolved only when it can matter: an authenticated user without a resolver may do everything.
  const publicScope = async (): Promise<Scope> =>
    publicRule === undefined
      ? denyScope()
      : compiler.toScope(typeof publicRule === "function" ? await publicRule() : publicRule);
  let scope: Scope;
  if (user === null) {
    if (publicRule === undefined) throw problems.unauthorized();
    scope = await publicScope();
  } else {
    scope = resolver ? orScopes(await publicScope(), compiler.toScope(await resolver(user, c))) : allowScope();
  }
  if (scope.kind === "deny") throw problems.forbidden(`You may not ${operation} ${info.name}`);
  if (scope.kind === "allow") return { user, ...everything };
  return new FilterAccess(user, scope, compiler, info);
}

/**
 * The access of a filter scope. A class with a prototype getter rather than an object literal with
 * one: V8 builds a literal with an accessor in the old generation, where it keeps the request it
 * references alive through every young-generation GC (see docs/performance.md).
 */
class FilterAccess implements Access {
  readonly where: SQL;

  constructor(
    readonly user: CovaraUser | null,
    readonly scope: Scope & { kind: "filter" },
    private readonly compiler: ScopeCompiler,
    private readonly info: TableInfo,
  ) {
    this.where = compiler.sql(scope.node);
  }

  allows(row: Record<string, unknown>): boolean {
    return evaluateRsql(this.scope.node, row, { operators: this.info.operators });
  }

  /** Serialised on first read: only subscriptions key their work by it. */
  get scopeKey(): string {
    return this.compiler.keyOf(this.scope.node);
  }
}

/** resolveAccess, but a caller who may not perform `operation` at all (401/403) gets null. */
export async function accessOrNull(
  operation: ResourceOperation,
  c: Context<CovaraEnv>,
  auth: ResourceAuthConfig | undefined,
  compiler: ScopeCompiler,
  info: TableInfo,
): Promise<Access | null> {
  try {
    return await resolveAccess(operation, c, auth, compiler, info);
  } catch (error) {
    if (error instanceof ProblemError && (error.status === 401 || error.status === 403)) return null;
    throw error;
  }
}
