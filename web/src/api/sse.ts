/** One server-sent event. `id` is set only when the event carried an `id:` field itself. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * An incremental parser of `text/event-stream` (the WHATWG rules: CRLF, LF or CR line ends, `data` lines joined by
 * LF, comments, one optional space after the colon, a frame without `data` is no event). Push decoded text in any
 * chunking; complete events come out.
 */
export class SseParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;

  push(text: string): SseEvent[] {
    this.#buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const end = this.#buffer.search(/\r\n|\n|\r/);
      if (end === -1) break;
      // A CR at the very end of the buffer may be the first half of a CRLF split across chunks.
      if (this.#buffer[end] === '\r' && end === this.#buffer.length - 1) break;
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + (this.#buffer.startsWith('\r\n', end) ? 2 : 1));
      const event = this.#line(line);
      if (event) events.push(event);
    }
    return events;
  }

  #line(line: string): SseEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const event: SseEvent | undefined =
      this.#data.length === 0
        ? undefined
        : {
            event: this.#event || 'message',
            data: this.#data.join('\n'),
            ...(this.#id === undefined ? {} : { id: this.#id }),
          };
    this.#event = '';
    this.#data = [];
    this.#id = undefined;
    return event;
  }
}

/** The events of a response body, as they arrive. Throws when the connection fails mid-stream. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
  } finally {
    // Leaving early (a `done` event, a stopped follow) must close the connection, not leave it open.
    reader.cancel().catch(() => {});
  }
}
