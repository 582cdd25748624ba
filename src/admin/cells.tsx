/** How a value shows in a table cell or form field: text as text (escaped by JSX), the rest as JSON. */

const MAX_CELL = 160;

/** A value as one line of text. */
export function valueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  return JSON.stringify(value) ?? String(value);
}

/** A table cell's content: null marked, long values cut (the whole text in the title). */
export function Cell(props: { value: unknown }) {
  if (props.value === null || props.value === undefined) return <span class="null">null</span>;
  const text = valueText(props.value);
  return text.length > MAX_CELL ? <span title={text}>{`${text.slice(0, MAX_CELL)}…`}</span> : <span>{text}</span>;
}

/** A response status as a coloured badge. */
export function StatusBadge(props: { status: number }) {
  return <span class={`badge s${String(props.status)[0]}`}>{props.status}</span>;
}

/** An HTTP method as a coloured badge. */
export function MethodBadge(props: { method: string }) {
  return <span class={`badge ${props.method.toLowerCase()}`}>{props.method.toUpperCase()}</span>;
}

/** An epoch-ms or Date time as ISO text. */
export function timeText(value: number | Date | null | undefined): string {
  if (value === null || value === undefined) return "";
  const date = typeof value === "number" ? new Date(value) : value;
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().replace("T", " ").slice(0, 19);
}

/** The CSRF field of every state-changing form. */
export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

/** A table head of plain column names ("" for an unnamed column, such as the actions). */
export function Head(props: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((column) => (
          <th key={column}>{column}</th>
        ))}
      </tr>
    </thead>
  );
}
