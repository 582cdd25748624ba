/** The request-level types every layer shares: the Hono environment and the user identity in it. */

/** The authenticated principal. Auth middleware puts one in `c.get("user")`. */
export interface CovaraUser {
  id: string | number;
  [key: string]: unknown;
}

/** Hono environment of every covara app and resource router. */
export interface CovaraEnv {
  Variables: {
    user?: CovaraUser | null;
    /**
     * The real authenticated user while an admin impersonates `user` (x-covara-impersonate);
     * undefined otherwise. Audit entries name both.
     */
    impersonator?: CovaraUser | null;
  };
}
