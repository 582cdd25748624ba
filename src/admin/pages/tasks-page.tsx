/** The task queue: queued, running, failed (retrying) and dead tasks, with replay for the dead ones. */
import { listTasks, type DeadLetter, type TaskListState, type TaskSnapshot } from "../../tasks";
import { CsrfField, Head, timeText, valueText } from "../cells";
import { renderPage } from "../layout";
import type { AdminView } from "../view";

const STATES: ReadonlyArray<[TaskListState | "dlq", string]> = [
  ["queued", "Queued"],
  ["running", "Running"],
  ["failed", "Failed (retrying)"],
  ["dlq", "Dead letters"],
];

function TaskTable(props: { tasks: TaskSnapshot[] }) {
  return (
    <table>
      <Head columns={["task", "attempt", "run at", "last error", "input", "id"]} />
      <tbody>
        {props.tasks.map((task) => (
          <tr key={task.id}>
            <td>{task.name}</td>
            <td>{`${task.attempt}/${task.maxAttempts}`}</td>
            <td class="mono">{timeText(task.runAt)}</td>
            <td>{task.error ?? ""}</td>
            <td class="mono">{valueText(task.input)}</td>
            <td class="mono">{task.id}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DeadTable(props: { view: AdminView; letters: DeadLetter[] }) {
  return (
    <table>
      <Head columns={["", "task", "error", "died", "attempts", "input", "id"]} />
      <tbody>
        {props.letters.map((letter) => (
          <tr key={letter.id}>
            <td class="actions">
              <form
                method="post"
                action={`${props.view.services.base}/tasks/${encodeURIComponent(letter.id)}/replay`}
                class="inline"
              >
                <CsrfField token={props.view.csrf} />
                <button type="submit" class="small">
                  Replay
                </button>
              </form>
            </td>
            <td>{letter.name}</td>
            <td>{letter.error}</td>
            <td class="mono">{timeText(letter.failedAt)}</td>
            <td>{letter.attempts}</td>
            <td class="mono">{valueText(letter.input)}</td>
            <td class="mono">{letter.id}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** GET /tasks?state=queued|running|failed|dlq */
export async function tasksPage(view: AdminView): Promise<Response> {
  const requested = view.c.req.query("state");
  const state = STATES.find(([key]) => key === requested)?.[0] ?? "queued";
  const scheduler = view.services.context.taskScheduler;
  const base = `${view.services.base}/tasks`;
  let content = <p class="empty">This app has no task scheduler (initializeTasks(kv, {"{ app }"})).</p>;
  if (scheduler !== undefined && state === "dlq") {
    const letters = await scheduler.listDeadLetters({ limit: 100 });
    content =
      letters.length === 0 ? (
        <p class="empty">The dead-letter queue is empty.</p>
      ) : (
        <DeadTable view={view} letters={letters} />
      );
  } else if (scheduler !== undefined) {
    const tasks = await listTasks(scheduler, state === "dlq" ? "queued" : state, { limit: 100 });
    content = tasks.length === 0 ? <p class="empty">No {state} tasks.</p> : <TaskTable tasks={tasks} />;
  }
  const notice = view.c.req.query("notice");
  const body = (
    <>
      <h1>Tasks</h1>
      <p class="lead">The app's background task queue.</p>
      {notice ? (
        <div class="notice" role="status">
          {notice}
        </div>
      ) : null}
      <nav class="tabs">
        {STATES.map(([key, label]) => (
          <a key={key} href={`${base}?state=${key}`} aria-current={key === state ? "page" : undefined}>
            {label}
          </a>
        ))}
      </nav>
      <div class="table-wrap">{content}</div>
    </>
  );
  return renderPage(view, { title: "Tasks", active: "tasks", body });
}

/** POST /tasks/:id/replay */
export async function replayTask(view: AdminView, id: string): Promise<Response> {
  const scheduler = view.services.context.taskScheduler;
  const replayed = scheduler === undefined ? null : await scheduler.replayDeadLetter(id);
  await view.services.record({
    action: "task_replay",
    adminId: view.admin.id,
    method: "POST",
    path: view.c.req.path,
    detail: { id, replayedAs: replayed?.id ?? null },
  });
  const notice = replayed === null ? `Task ${id} is not in the dead-letter queue` : `Replayed ${id} as ${replayed.id}`;
  return view.c.redirect(`${view.services.base}/tasks?state=dlq&notice=${encodeURIComponent(notice)}`, 303);
}
