/**
 * An incremental text/event-stream parser (the WHATWG rules): feed it decoded text chunks, get
 * events with their `event`, `data` and `id`; comment lines are reported so heartbeats count.
 */

export interface SseMessage {
  event: string;
  data: string;
  /** The `id:` field of this event, when it had one. */
  id: string | undefined;
}

export interface SseParserHandlers {
  onMessage(message: SseMessage): void;
  /** An `id:` line with no data (a heartbeat moving Last-Event-ID forward). */
  onId?(id: string): void;
  onRetry?(ms: number): void;
  onComment?(text: string): void;
}

/** Creates a parser; `feed(text)` takes decoded chunks in order. */
export function createSseParser(handlers: SseParserHandlers): { feed(text: string): void } {
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;

  const dispatch = (): void => {
    if (data.length === 0) {
      if (id !== undefined) handlers.onId?.(id);
    } else {
      handlers.onMessage({ event: event || "message", data: data.join("\n"), id });
    }
    event = "";
    data = [];
    id = undefined;
  };

  const line = (text: string): void => {
    if (text === "") {
      dispatch();
      return;
    }
    if (text.startsWith(":")) {
      handlers.onComment?.(text.slice(1).trim());
      return;
    }
    const colon = text.indexOf(":");
    const name = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (name === "event") event = value;
    else if (name === "data") data.push(value);
    else if (name === "id") {
      if (!value.includes("\0")) id = value;
    } else if (name === "retry") {
      if (/^\d+$/.test(value)) handlers.onRetry?.(Number(value));
    }
  };

  // A chunk ending in \r may be the first half of \r\n: the line ends there, and a \n opening the
  // next chunk is then the rest of that line break, not an empty line.
  let skipLeadingLF = false;
  return {
    feed(text: string) {
      if (text === "") return;
      if (skipLeadingLF && text.startsWith("\n")) text = text.slice(1);
      skipLeadingLF = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const ch = buffer[i];
        if (ch !== "\n" && ch !== "\r") continue;
        line(buffer.slice(start, i));
        if (ch === "\r") {
          if (i === buffer.length - 1) skipLeadingLF = true;
          else if (buffer[i + 1] === "\n") i++;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
  };
}
