/** The signed-in state every interactive strategy exposes to UIs (`useAuth`). */

export type AuthStatus = "loading" | "authenticated" | "anonymous";

export interface AuthState<User = Record<string, unknown>> {
  status: AuthStatus;
  user: User | null;
}

/** A tiny observable holding an AuthState. */
export class AuthStateStore<User = Record<string, unknown>> {
  private state: AuthState<User> = { status: "loading", user: null };
  private readonly listeners = new Set<() => void>();

  get = (): AuthState<User> => this.state;

  set(next: AuthState<User>): void {
    if (next.status === this.state.status && next.user === this.state.user) return;
    this.state = next;
    for (const listener of [...this.listeners]) listener();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** What useAuth needs from a strategy that knows who is signed in. */
export interface InteractiveAuth<User = Record<string, unknown>> {
  readonly state: AuthStateStore<User>;
  /** Loads the current user (from storage or the server). */
  init(): Promise<void>;
  logout(): Promise<void>;
}

/** True when a strategy carries an AuthStateStore. */
export function isInteractiveAuth(value: unknown): value is InteractiveAuth {
  return value !== null && typeof value === "object" && (value as { state?: unknown }).state instanceof AuthStateStore;
}
