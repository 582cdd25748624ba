/** @jsxImportSource react */
/**
 * The React test app for the browser proof, built with esbuild from this file. `?mode=live` shows
 * a live, offline-capable list; `?mode=jwt` a JWT sign-in and a protected list; `?mode=oidc` (and
 * /callback) an OIDC sign-in through covara/oidc. `window.covara` lets the test drive it.
 */
import { useEffect, useState, useSyncExternalStore } from "react";
import { createRoot } from "react-dom/client";
import { getOrCreateClient, initJWTClient, OIDCClient, type Client, type RowId } from "../../../src/client";
import {
  CovaraProvider,
  useAuth,
  useInfiniteList,
  useInvalidate,
  useJWTAuth,
  useList,
  useLiveAggregate,
  useLiveList,
  useMutation,
  usePrefetch,
  usePublicEnv,
  useSearch,
} from "../../../src/client/react";

interface Todo {
  id: RowId;
  name: string;
  email: string;
  role: string;
  age: number | null;
}

declare global {
  interface Window {
    covara: Record<string, unknown>;
  }
}

const params = new URLSearchParams(location.search);
const mode = location.pathname === "/callback" ? "oidc" : (params.get("mode") ?? "live");
window.covara = { mode };

function Todos({ client }: { client: Client }) {
  const { items, status, mutate } = useLiveList<Todo>("/api/users", { filter: "role==todo", orderBy: "name" });
  const offline = client.offline!;
  const pending = useSyncExternalStore(offline.subscribe, () => offline.pending().length);
  useEffect(() => {
    Object.assign(window.covara, { mutate, items, status, pending: () => offline.pending().length, ready: true });
  });
  return (
    <main>
      <h1>Todos</h1>
      <p id="status">
        {status} · {pending} queued
      </p>
      <ul id="todos">
        {items.map((todo) => (
          <li key={String(todo.id)} data-id={String(todo.id)}>
            <span className="name">{todo.name}</span> {todo.age != null ? <em>({todo.age})</em> : null}{" "}
            <button type="button" onClick={() => void mutate.delete(todo.id)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      <button
        type="button"
        id="add"
        onClick={() => void mutate.create({ name: `todo-${Date.now()}`, email: `t${Date.now()}@x.io`, role: "todo" })}
      >
        Add
      </button>
    </main>
  );
}

function Notes() {
  const notes = useList<{ id: string; title: string }>("/api/notes");
  const invalidate = useInvalidate();
  window.covara.reloadNotes = () => invalidate("/api/notes");
  return (
    <section>
      <p id="notes-status">{notes.status}</p>
      <ul id="notes">
        {notes.data?.items.map((n) => (
          <li key={n.id}>{n.title}</li>
        ))}
      </ul>
      {notes.error ? <p id="notes-error">{String((notes.error as Error).message)}</p> : null}
    </section>
  );
}

function JwtGate() {
  const { user, isAuthenticated, isLoading, login, logout } = useJWTAuth<{ email: string }>();
  const [error, setError] = useState("");
  if (isLoading) return <p id="auth">loading</p>;
  if (!isAuthenticated) {
    return (
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          login(String(form.get("email")), String(form.get("password"))).catch((e: Error) => setError(e.message));
        }}
      >
        <p id="auth">signed out</p>
        <input name="email" defaultValue="ada@example.com" />
        <input name="password" type="password" />
        <button type="submit" id="login">
          Sign in
        </button>
        {error ? <p id="login-error">{error}</p> : null}
      </form>
    );
  }
  return (
    <div>
      <p id="auth">signed in as {user?.email}</p>
      <button type="button" onClick={() => void logout()}>
        Sign out
      </button>
      <Notes />
    </div>
  );
}

function OidcGate() {
  const { user, isAuthenticated, isLoading, login } = useAuth<{ email: string; sub: string }>();
  if (isLoading) return <p id="auth">loading</p>;
  return isAuthenticated ? (
    <p id="auth">signed in as {user?.email}</p>
  ) : (
    <button type="button" id="login" onClick={() => void login()}>
      Sign in with covara/oidc
    </button>
  );
}

function Prefetched() {
  const list = useList<Todo>("/api/users", { filter: "role==hook", orderBy: "name" });
  return (
    <p id="prefetched">
      {list.status}:{list.data?.items.length ?? 0}
    </p>
  );
}

function Hooks() {
  const infinite = useInfiniteList<Todo>("/api/users", { filter: "role==hook", orderBy: "name", limit: 2 });
  const aggregate = useLiveAggregate<{ role: string }>("/api/users", { groupBy: "role", filter: "role==hook" });
  const mutation = useMutation<Todo>("/api/users");
  const [q, setQ] = useState("");
  const search = useSearch<Todo>("/api/users", q);
  const prefetch = usePrefetch();
  const [showPrefetched, setShowPrefetched] = useState(false);
  const env = usePublicEnv<{ PUBLIC_APP_NAME: string }>();
  Object.assign(window.covara, {
    ready: true,
    loadMore: infinite.loadMore,
    create: (data: Partial<Todo>) => mutation.create(data),
    search: setQ,
    prefetch: () => prefetch("/api/users", { filter: "role==hook", orderBy: "name" }),
    showPrefetched: () => setShowPrefetched(true),
  });
  return (
    <main>
      <h1>Hooks</h1>
      <ul id="infinite">
        {infinite.items.map((t) => (
          <li key={String(t.id)}>{t.name}</li>
        ))}
      </ul>
      <p id="has-more">{String(infinite.hasMore)}</p>
      <p id="aggregate">{aggregate.groups.map((g) => `${g.role}=${g.count}`).join(",")}</p>
      <p id="pending">{String(mutation.isPending)}</p>
      <ul id="search">
        {search.items.map((t) => (
          <li key={String(t.id)}>{t.name}</li>
        ))}
      </ul>
      {showPrefetched ? <Prefetched /> : null}
      <p id="env">
        {env.status}:{env.data?.PUBLIC_APP_NAME ?? ""}
      </p>
    </main>
  );
}

async function main(): Promise<void> {
  const root = createRoot(document.getElementById("root")!);
  if (mode === "live") {
    const client = getOrCreateClient({ baseUrl: "", offline: { retryMs: 300 } });
    window.covara.client = client;
    root.render(
      <CovaraProvider client={client}>
        <Todos client={client} />
      </CovaraProvider>,
    );
  } else if (mode === "hooks") {
    const client = getOrCreateClient({ baseUrl: "" });
    root.render(
      <CovaraProvider client={client}>
        <Hooks />
      </CovaraProvider>,
    );
  } else if (mode === "jwt") {
    initJWTClient({ baseUrl: "" });
    const client = getOrCreateClient({ baseUrl: "", auth: "jwt" });
    root.render(
      <CovaraProvider client={client}>
        <JwtGate />
      </CovaraProvider>,
    );
  } else {
    const oidc = new OIDCClient({
      issuer: `${location.origin}/oidc`,
      clientId: "spa",
      redirectUri: `${location.origin}/callback`,
    });
    if (oidc.isCallback(location.href)) {
      await oidc.handleCallback(location.href);
      history.replaceState(null, "", "/app?mode=oidc");
    }
    const client = getOrCreateClient({ baseUrl: "", auth: oidc });
    root.render(
      <CovaraProvider client={client}>
        <OidcGate />
      </CovaraProvider>,
    );
  }
}

main().catch((error: Error) => {
  document.body.insertAdjacentHTML("beforeend", `<pre id="fatal">${error.message}</pre>`);
});
