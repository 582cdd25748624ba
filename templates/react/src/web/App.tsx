/** A live todo list: every tab and every API client sees the same rows as they change (SSE). */
import { useLiveList } from "covara/client/react";
import { type FormEvent, useState } from "react";

interface Todo {
  id: number;
  title: string;
  done: boolean;
}

export function App() {
  const { items, status, error, mutate } = useLiveList<Todo>("/api/todos", { orderBy: "id" });
  const [title, setTitle] = useState("");

  function add(event: FormEvent) {
    event.preventDefault();
    if (!title.trim()) return;
    void mutate.create({ title: title.trim(), done: false });
    setTitle("");
  }

  return (
    <main>
      <h1>Todos</h1>
      <p>{status}{error ? ` · ${error.message}` : ""}</p>
      <form onSubmit={add}>
        <input value={title} onChange={(event) => setTitle(event.target.value)} placeholder="What needs doing?" />
        <button type="submit">Add</button>
      </form>
      <ul>
        {items.map((todo) => (
          <li key={todo.id}>
            <label>
              <input type="checkbox" checked={todo.done} onChange={() => void mutate.update(todo.id, { done: !todo.done })} />
              {todo.title}
            </label>{" "}
            <button type="button" onClick={() => void mutate.delete(todo.id)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}
