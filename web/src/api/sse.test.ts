import { describe, expect, it } from 'vitest';
import { readSse, SseParser, type SseEvent } from './sse.ts';

// Frames as the chat API writes them (server/src/domains/chat/stream.ts).
const wire =
  'event: message\ndata: {"message":{"id":"a"}}\n\n' +
  ': keep-alive\n\n' +
  'id: a:5\nevent: delta\ndata: {"messageId":"a","offset":0,"text":"héllo"}\n\n' +
  'id: a:5\nevent: done\ndata: {"messageId":"a","status":"done"}\n\n';

const expected: SseEvent[] = [
  { event: 'message', data: '{"message":{"id":"a"}}' },
  { event: 'delta', data: '{"messageId":"a","offset":0,"text":"héllo"}', id: 'a:5' },
  { event: 'done', data: '{"messageId":"a","status":"done"}', id: 'a:5' },
];

const parseAll = (chunks: string[]) => {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
};

describe('SseParser', () => {
  it('parses the chat stream into events, skipping comments', () => {
    expect(parseAll([wire])).toEqual(expected);
  });

  it('gives the same events however the text is cut', () => {
    expect(parseAll(Array.from(wire))).toEqual(expected);
    for (let cut = 1; cut < wire.length; cut += 7) {
      expect(parseAll([wire.slice(0, cut), wire.slice(cut)])).toEqual(expected);
    }
  });

  it('takes CRLF and CR line ends, a CRLF split across chunks included', () => {
    const crlf = wire.replaceAll('\n', '\r\n');
    expect(parseAll([crlf])).toEqual(expected);
    expect(parseAll(Array.from(crlf))).toEqual(expected);
    // A CR ending a chunk may be half a CRLF: the next chunk decides.
    expect(parseAll([wire.replaceAll('\n', '\r'), ': keep-alive\r'])).toEqual(expected);
  });

  it('follows the format: data lines joined, one optional space, default event, no data no event', () => {
    const text = 'data:one\ndata:  two\n\nevent: ping\n\nid: 7\n\nretry: 10\nunknown\ndata\n\n';
    expect(parseAll([text])).toEqual([
      { event: 'message', data: 'one\n two' },
      { event: 'message', data: '' },
    ]);
  });

  it('holds an event back until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('event: delta\ndata: {}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'delta', data: '{}' }]);
  });
});

describe('readSse', () => {
  it('decodes UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode(wire);
    const split = bytes.indexOf(0xc3) + 1; // inside the two bytes of "é"
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split));
        controller.enqueue(bytes.slice(split));
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    for await (const event of readSse(body)) events.push(event);
    expect(events).toEqual(expected);
  });

  it('cancels the body when the reader stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(wire));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of readSse(body)) if (event.event === 'done') break;
    await Promise.resolve();
    expect(cancelled).toBe(true);
  });
});
