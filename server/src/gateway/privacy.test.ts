import { describe, expect, it } from 'vitest';
import type { Target } from './catalog.ts';
import { RequestPrivacy, restoreCompletion, restoreStream } from './privacy.ts';

const target = (local: boolean): Target => ({
  provider: {
    id: local ? 'home' : 'far',
    type: 'openai',
    baseURL: 'http://x',
    apiKey: undefined,
    headers: {},
    local,
  },
  model: 'm',
});

async function* from(events: string[]) {
  yield* events;
}
async function collect(events: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const event of events) out.push(event);
  return out;
}
const chunk = (delta: object, finish: string | null = null, index = 0) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index, delta, finish_reason: finish }] })}\n\n`;
const contentOf = (events: string[], index = 0) =>
  events
    .filter((event) => event.startsWith('data: {'))
    .flatMap(
      (event) =>
        (JSON.parse(event.slice(6)) as { choices: { index: number; delta: { content?: string } }[] }).choices,
    )
    .filter((choice) => choice.index === index)
    .map((choice) => choice.delta.content ?? '')
    .join('');

describe('RequestPrivacy', () => {
  it('hands a local target the caller’s own request object, and detects nothing for it', () => {
    const request = { model: 'a', messages: [{ role: 'user', content: 'I am Anna Berg' }] };
    const privacy = new RequestPrivacy(request, undefined);
    const prepared = privacy.prepare(target(true));
    expect(prepared.request).toBe(request);
    expect(prepared).toMatchObject({ restores: false, findings: [], counts: {} });
  });

  it('redacts and pseudonymises in one text, the placeholders landing where they belong', () => {
    const text = 'Mail anna.berg@example.com, then call Anna Berg on +44 20 7946 0958.';
    const request = { model: 'a', messages: [{ role: 'user', content: text }] };
    const privacy = new RequestPrivacy(request, {
      scopes: [{ types: { EMAIL: { cloud: 'redact' } } }],
      mapping: { values: {} },
    });
    const prepared = privacy.prepare(target(false));
    expect((prepared.request.messages[0] as unknown as { content: string }).content).toBe(
      'Mail [EMAIL], then call <PERSON_1> on <PHONE_1>.',
    );
    expect(prepared.counts).toEqual({ EMAIL: 1, PERSON: 1, PHONE: 1 });
    expect(request.messages[0]!.content).toBe(text); // the caller's request is not changed
  });

  it('replaces a value found in one message where the detector missed it in another, and from earlier turns', () => {
    const mapping = { values: { '<EMAIL_1>': 'eva@example.org' } };
    const request = {
      model: 'a',
      messages: [
        { role: 'user', content: 'my name is nijito asano' },
        {
          role: 'user',
          content: 'have you heard nijito asano? write to eva@example.org or at eva@example.org.uk',
        },
      ],
    };
    const prepared = new RequestPrivacy(request, { scopes: [], mapping }).prepare(target(false));
    expect(
      prepared.request.messages.map((message) => (message as unknown as { content: string }).content),
    ).toEqual(['my name is <PERSON_1>', 'have you heard <PERSON_1>? write to <EMAIL_1> or at <EMAIL_2>']);
    expect(mapping.values).toMatchObject({ '<PERSON_1>': 'nijito asano', '<EMAIL_2>': 'eva@example.org.uk' });
  });

  it('protects each string of tool-call arguments, keeping them valid JSON', () => {
    const args = JSON.stringify({ to: 'anna.berg@example.com', note: 'say "hi" to Anna Berg' });
    const request = {
      model: 'a',
      messages: [
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: '1', function: { name: 'f', arguments: args } }],
        },
      ],
    };
    const privacy = new RequestPrivacy(request, undefined);
    const sent = privacy.prepare(target(false)).request.messages[0] as unknown as {
      tool_calls: { function: { arguments: string } }[];
    };
    expect(JSON.parse(sent.tool_calls[0]!.function.arguments)).toEqual({
      to: '<EMAIL_1>',
      note: 'say "hi" to <PERSON_1>',
    });
  });
});

describe('restoring answers', () => {
  const mapping = { values: { '<PERSON_1>': 'Anna "A" Berg', '<EMAIL_1>': 'anna@example.com' } };

  it('restores a whole completion, JSON arguments escaped', () => {
    const body = Buffer.from(
      JSON.stringify({
        choices: [
          {
            index: 0,
            message: {
              content: 'Hi <PERSON_1>',
              tool_calls: [{ id: 'x', function: { name: 'f', arguments: '{"to":"<PERSON_1>"}' } }],
            },
          },
        ],
      }),
    );
    const restored = JSON.parse(restoreCompletion(body, mapping).toString()) as {
      choices: { message: { content: string; tool_calls: { function: { arguments: string } }[] } }[];
    };
    expect(restored.choices[0]!.message.content).toBe('Hi Anna "A" Berg');
    expect(JSON.parse(restored.choices[0]!.message.tool_calls[0]!.function.arguments)).toEqual({
      to: 'Anna "A" Berg',
    });
  });

  it('flushes a held placeholder into the finishing chunk, per choice', async () => {
    const events = await collect(
      restoreStream(
        from([
          chunk({ content: 'Hi <PER' }),
          chunk({ content: 'Mail <EMA' }, null, 1),
          chunk({ content: 'SON_1>!' }),
          chunk({}, 'stop', 1),
          chunk({}, 'stop'),
          'data: [DONE]\n\n',
        ]),
        mapping,
      ),
    );
    expect(contentOf(events)).toBe('Hi Anna "A" Berg!');
    expect(contentOf(events, 1)).toBe('Mail <EMA'); // not a whole placeholder by the end: given back as it came
    expect(events.at(-1)).toBe('data: [DONE]\n\n');
  });

  it('gives back what is held before [DONE] when no chunk finishes the choice', async () => {
    const events = await collect(
      restoreStream(from([chunk({ content: 'Bye <PERSON_' }), 'data: [DONE]\n\n']), mapping),
    );
    expect(contentOf(events)).toBe('Bye <PERSON_');
    expect(events.at(-1)).toBe('data: [DONE]\n\n');
  });

  it('passes events without placeholders through byte for byte', async () => {
    const plain = chunk({ content: 'nothing here' });
    expect(await collect(restoreStream(from([plain, ': keep-alive\n\n']), mapping))).toEqual([
      plain,
      ': keep-alive\n\n',
    ]);
  });
});
