import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client.ts';
import { parseRoute, pathOf, type Route } from '../app/routes.ts';
import { definitionOf, draftOf, emptyDraft, emptyTool, parseHeaders, patchOf } from './draft.ts';
import { issueFor, otherIssues } from './issues.ts';
import { formatDuration } from './labels.ts';
import { parseArgs, sameJson } from './json.ts';
import type { AgentDefinition } from './types.ts';

const definition: AgentDefinition = {
  name: 'Researcher',
  instructions: 'Be brief.',
  model: 'fast',
  tools: [
    { kind: 'builtin', name: 'search_threads', approval: 'auto' },
    { kind: 'mcp', server: 'memory', tool: 'read_graph', approval: 'ask' },
    {
      kind: 'http',
      name: 'lookup',
      description: 'Looks a word up',
      url: 'http://127.0.0.1:9/lookup',
      method: 'POST',
      inputSchema: { type: 'object', properties: { word: { type: 'string' } } },
      headers: { 'X-Team': 'research' },
      approval: 'ask',
    },
  ],
  stepLimit: 5,
  costLimitUsd: 0.5,
  timeLimitSeconds: null,
};

describe('the agent editor’s draft', () => {
  it('round-trips a definition', () => {
    expect(definitionOf(draftOf(definition))).toEqual({ errors: {}, value: definition });
  });

  it('turns empty limits into null and new tools into their kind’s default approval', () => {
    const draft = { ...emptyDraft(), name: ' A ', model: 'fast', costLimitUsd: '', timeLimitSeconds: ' ' };
    expect(definitionOf(draft).value).toMatchObject({
      name: 'A',
      stepLimit: 10,
      costLimitUsd: null,
      timeLimitSeconds: null,
    });
    expect(emptyTool('builtin').approval).toBe('auto');
    expect(emptyTool('mcp').approval).toBe('ask');
    expect(emptyTool('http').approval).toBe('ask');
  });

  it('refuses to send JSON that does not parse, bad header lines and numbers that are not numbers', () => {
    const draft = draftOf(definition);
    draft.tools[2] = { ...draft.tools[2]!, inputSchema: '{ "type": ', headers: 'no colon here' };
    draft.stepLimit = 'ten';
    draft.costLimitUsd = '';
    const { value, errors } = definitionOf(draft);
    expect(value).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual([
      'body.stepLimit',
      'body.tools.2.headers',
      'body.tools.2.inputSchema',
    ]);
    draft.tools[2] = { ...draft.tools[2]!, inputSchema: '[1]', headers: '' };
    expect(definitionOf({ ...draft, stepLimit: '3' }).errors).toEqual({
      'body.tools.2.inputSchema': 'must be a JSON object',
    });
  });

  it('patches only what changed, whatever the key order the server answered in', () => {
    const reordered = JSON.parse(
      JSON.stringify({
        ...definition,
        tools: definition.tools.map((t) => Object.fromEntries(Object.entries(t).reverse())),
      }),
    ) as AgentDefinition;
    expect(patchOf(reordered, definition)).toEqual({});
    expect(patchOf(definition, { ...definition, stepLimit: 7, model: 'fast' })).toEqual({ stepLimit: 7 });
  });

  it('parses header lines', () => {
    expect(parseHeaders('A: 1\n\n B : two: parts ')).toEqual({ A: '1', B: 'two: parts' });
    expect(parseHeaders(': x')).toMatch(/is not “Name: value”/);
  });
});

describe('approval arguments', () => {
  it('must be a JSON object', () => {
    expect(parseArgs('{"a": 1}')).toEqual({ a: 1 });
    expect(parseArgs('{"a": ')).toMatch(/^is not valid JSON/);
    expect(parseArgs('[1]')).toMatch(/must be a JSON object/);
    expect(parseArgs('null')).toMatch(/must be a JSON object/);
    expect(sameJson({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 2 })).toBe(false);
  });
});

describe('field issues', () => {
  const error = new ApiError(400, 'validation_failed', 'Bad input', [
    { field: 'body.tools.0.inputSchema.type', message: 'must be "object"' },
    { field: 'body.name', message: 'is required' },
    { field: 'body.tools', message: 'too many' },
  ]);
  it('show under a field, inner parts named, and the rest at the end', () => {
    expect(issueFor(error, 'body.tools.0.inputSchema')).toBe('type: must be "object"');
    expect(issueFor(error, 'body.name')).toBe('is required');
    expect(issueFor(new Error('x'), 'body.name')).toBeUndefined();
    expect(otherIssues(error, ['body.name', 'body.tools.0.inputSchema'])).toEqual([
      { field: 'body.tools', message: 'too many' },
    ]);
  });
});

describe('agents routes', () => {
  const id = '0196a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
  it.each<[string, Route]>([
    ['/agents', { name: 'agents' }],
    ['/agents/new', { name: 'agent-new' }],
    [`/agents/${id}`, { name: 'agent', agentId: id }],
    [`/agents/${id}/edit`, { name: 'agent-edit', agentId: id }],
    [`/runs/${id}`, { name: 'run', runId: id }],
    ['/mcp-servers', { name: 'mcp-servers' }],
  ])('%s round-trips', (path, route) => {
    expect(parseRoute(path)).toEqual(route);
    expect(pathOf(route)).toBe(path);
  });

  it('lower-cases ids and falls back to a new chat', () => {
    expect(parseRoute(`/runs/${id.toUpperCase()}`)).toEqual({ name: 'run', runId: id });
    expect(parseRoute('/runs/nope')).toEqual({ name: 'new' });
    expect(parseRoute('/agents/nope')).toEqual({ name: 'new' });
  });
});

describe('durations', () => {
  it.each([
    [350, '350 ms'],
    [12_400, '12.4 s'],
    [185_000, '3 min 5 s'],
    [600_000, '10 min'],
    [9_000_000, '2 h 30 min'],
    [86_400_000, '24 h'],
  ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
